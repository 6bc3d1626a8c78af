import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fillSampleData } from '../support/redis-data.ts';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { makeTlsFiles } from '../support/tls-certs.ts';

describe('an instance attached with TLS', () => {
  let dir: string;
  let redis: RedisServer;
  let tlsPort: number;
  let service: ServiceProcess;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-tls-'));
    const files = await makeTlsFiles(dir);
    tlsPort = await freePort();
    redis = await startRedisServer([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      files.cert,
      '--tls-key-file',
      files.key,
      '--tls-ca-cert-file',
      files.ca,
      '--tls-auth-clients',
      'no',
      '--repl-diskless-sync-delay',
      '0',
    ]);
    await fillSampleData(redis.port);
    // Node trusts the extra CA for every TLS connection the service makes, as an operator would configure it.
    service = await startServiceProcess(['--data-dir', path.join(dir, 'data')], {
      NODE_EXTRA_CA_CERTS: files.ca,
    });
  });

  after(async () => {
    await service.stop();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is probed and backed up over TLS', async () => {
    const cli = (...args: string[]) =>
      runCli(['--endpoint', service.url, ...args], { DCS_DATA_DIR: path.join(dir, 'data') });
    const attached = await cli(
      'instance',
      'attach',
      `rediss://127.0.0.1:${tlsPort}`,
      '--project',
      'p',
      '--name',
      'tls',
    );
    assert.equal(attached.code, 0, attached.stderr);
    const instanceId = attached.stdout.trim();
    const shown = JSON.parse((await cli('instance', 'list', '--json')).stdout);
    assert.equal(shown.instances[0].enable_ssl, true);
    const backup = await cli('backup', 'create', instanceId, '--wait');
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /succeed/);
  });

  it('refuses the plain port when TLS is asked for', async () => {
    const result = await runCli(
      [
        '--endpoint',
        service.url,
        'instance',
        'attach',
        `rediss://127.0.0.1:${redis.port}`,
        '--project',
        'p',
        '--name',
        'x',
      ],
      { DCS_DATA_DIR: path.join(dir, 'data') },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /DCS\.4901/);
  });
});
