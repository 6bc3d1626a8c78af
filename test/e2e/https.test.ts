import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachLocalRedis } from '../support/cli-session.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { makeTlsFiles, type TlsFiles } from '../support/tls-certs.ts';

/** One request over HTTPS trusting only the test CA. */
function request(
  url: string,
  ca: Buffer,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the service serving HTTPS', () => {
  let dir: string;
  let files: TlsFiles;
  let redis: RedisServer;
  let service: ServiceProcess;
  let dataDir: string;
  // The CLI trusts the private CA the way an operator's would: NODE_EXTRA_CA_CERTS, read by Node's fetch too.
  const cli = (...args: string[]) =>
    runCli(['--endpoint', service.url, ...args], { DCS_DATA_DIR: dataDir, NODE_EXTRA_CA_CERTS: files.ca });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-https-'));
    dataDir = path.join(dir, 'data');
    files = await makeTlsFiles(dir);
    redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    await fillSampleData(redis.port);
    service = await startServiceProcess(
      ['--data-dir', dataDir, '--tls-cert', files.cert, '--tls-key', files.key],
      { DCS_JOB_POLL_MS: '100' },
    );
  });

  after(async () => {
    await service.stop();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('logs an https URL and refuses clients that do not trust its certificate', async () => {
    assert.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
    assert.equal(credentials.endpoint, service.url);
    await assert.rejects(fetch(`${service.url}/v2/p/instances`));
    const plain = service.url.replace(/^https:/, 'http:');
    await assert.rejects(async () => {
      const response = await fetch(`${plain}/v2/p/instances`);
      // A TLS server may answer plain HTTP with garbage rather than reset; either way no DCS answer.
      await response.json();
    });
  });

  it('takes signed CLI calls and serves download links over HTTPS', async () => {
    const instanceId = await attachLocalRedis(cli, redis.port, 'a', 'p');
    const created = await cli('backup', 'create', instanceId, '--wait');
    assert.equal(created.code, 0, created.stderr);
    const backupId = /^([0-9a-f-]{36}) succeed/m.exec(created.stdout)![1]!;

    const output = path.join(dir, 'download.rdb');
    const downloaded = await cli('backup', 'download', instanceId, backupId, '-o', output);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.match(downloaded.stdout, /\(verified\)/);

    const token = (await cli('credentials', 'token', '--ttl', '600')).stdout.trim();
    const ca = fs.readFileSync(files.ca);
    const links = await request(`${service.url}/v2/p/instances/${instanceId}/backups/${backupId}/links`, ca, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({ expiration: 600 }),
    });
    assert.equal(links.status, 200, links.body.toString());
    const answer = JSON.parse(links.body.toString()) as { links: { link: string }[]; sha256: string };
    const link = answer.links[0]!.link;
    assert.ok(link.startsWith(`${service.url}/downloads/`), link);
    const file = await request(link, ca);
    assert.equal(file.status, 200);
    assert.equal(createHash('sha256').update(file.body).digest('hex'), answer.sha256);
    assert.deepEqual(file.body, fs.readFileSync(output));
  });

  it('refuses to start with a missing certificate, or a key that is not its own', async () => {
    const serve = (cert: string, key: string) =>
      runCli([
        'serve',
        '--port',
        '0',
        '--data-dir',
        path.join(dir, 'other'),
        '--tls-cert',
        cert,
        '--tls-key',
        key,
      ]);
    const missing = await serve(path.join(dir, 'absent.pem'), files.key);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /cannot read the HTTPS certificate .*absent\.pem: no such file/);
    const noKey = await serve(files.cert, path.join(dir, 'absent.key'));
    assert.equal(noKey.code, 2, noKey.stderr);
    assert.match(noKey.stderr, /cannot read the HTTPS key .*absent\.key: no such file/);
    const mismatched = await serve(files.cert, path.join(dir, 'ca.key'));
    assert.equal(mismatched.code, 2, mismatched.stderr);
    assert.match(mismatched.stderr, /cannot serve HTTPS with .*server\.pem and .*ca\.key/);
    const notPem = await serve(path.join(dir, 'san.ext'), files.key);
    assert.equal(notPem.code, 2, notPem.stderr);
    assert.match(notPem.stderr, /cannot serve HTTPS/);
  });
});
