import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { RedisEndpoint } from '../../src/core/instance.ts';
import { fetchRdb } from '../../src/engine/replication/replication-client.ts';
import { RedisWireError } from '../../src/engine/resp/redis-wire-error.ts';
import { fillSampleData, redisCli, snapshotOf } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

const run = promisify(execFile);
const DEBUG = ['--enable-debug-command', 'yes'];
const PASSWORD = 'repl-Pw31';

function endpoint(port: number, extra: Partial<RedisEndpoint> = {}): RedisEndpoint {
  return { host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false, ...extra };
}

/** Fetches into a file and checks that file the way Redis would: redis-check-rdb, then loading it. */
async function fetchToFile(target: RedisEndpoint, diskless: boolean, dir: string) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.rdb`);
  const sink = fs.createWriteStream(file);
  const result = await fetchRdb({ endpoint: target, sink, diskless });
  await new Promise<void>((resolve, reject) =>
    sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { file, result };
}

async function loadedSnapshot(file: string) {
  const server = await startRedisServer([
    ...DEBUG,
    '--dir',
    path.dirname(file),
    '--dbfilename',
    path.basename(file),
  ]);
  try {
    return await snapshotOf(server.port);
  } finally {
    await server.stop();
  }
}

describe('snapshots over the replication protocol from a real redis-server', () => {
  let dir: string;
  const servers: RedisServer[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-repl-'));
  });
  after(async () => {
    for (const server of servers) await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const mode of ['diskless', 'disk-based'] as const) {
    it(`takes a ${mode} snapshot that redis-check-rdb accepts and that loads with the same data`, async () => {
      const server = await startRedisServer([
        ...DEBUG,
        '--repl-diskless-sync',
        mode === 'diskless' ? 'yes' : 'no',
        '--repl-diskless-sync-delay',
        '0',
      ]);
      servers.push(server);
      await fillSampleData(server.port);
      const { file, result } = await fetchToFile(endpoint(server.port), mode === 'diskless', dir);
      assert.equal(result.stream.framing, mode === 'diskless' ? 'eof-mark' : 'length');
      assert.match(result.stream.replicationId ?? '', /^[0-9a-f]{40}$/);
      assert.equal(result.summary.problem, null);
      assert.equal(result.summary.checksum, 'ok');
      assert.equal(result.summary.sizeBytes, fs.statSync(file).size);
      assert.equal(result.summary.rdbVersion, 10);
      await run('redis-check-rdb', [file]);
      assert.deepEqual(await loadedSnapshot(file), await snapshotOf(server.port));
    });
  }

  it('authenticates with a password and with an ACL user', async () => {
    const server = await startRedisServer([
      ...DEBUG,
      '--requirepass',
      PASSWORD,
      '--repl-diskless-sync-delay',
      '0',
      '--user',
      'backup',
      'on',
      '>backup-pw',
      '+psync',
      '+sync',
      '+replconf',
      '+ping',
    ]);
    servers.push(server);
    await fillSampleData(server.port, PASSWORD);
    const withPassword = await fetchToFile(endpoint(server.port, { password: PASSWORD }), true, dir);
    assert.equal(withPassword.result.summary.problem, null);
    const withUser = await fetchToFile(
      endpoint(server.port, { username: 'backup', password: 'backup-pw' }),
      true,
      dir,
    );
    assert.equal(withUser.result.summary.problem, null);
    assert.deepEqual(await loadedSnapshot(withUser.file), await snapshotOf(server.port, PASSWORD));

    const started = Date.now();
    await assert.rejects(
      fetchToFile(endpoint(server.port, { password: 'bad-Secret-9' }), true, dir),
      (error: unknown) =>
        error instanceof RedisWireError && error.kind === 'auth' && !error.message.includes('bad-Secret-9'),
    );
    await assert.rejects(
      fetchToFile(endpoint(server.port), true, dir),
      (error: unknown) => error instanceof RedisWireError && error.kind === 'auth',
    );
    assert.ok(Date.now() - started < 2000, 'authentication failures are reported at once');
  });

  it('fails with "connect" when nothing listens', async () => {
    const server = await startRedisServer();
    const port = server.port;
    await server.stop();
    await assert.rejects(
      fetchToFile(endpoint(port), true, dir),
      (error: unknown) => error instanceof RedisWireError && error.kind === 'connect',
    );
  });

  it('fails with "disconnected" when the server dies mid-stream', async () => {
    const server = await startRedisServer([
      '--repl-diskless-sync-delay',
      '0',
      '--rdbcompression',
      'no',
      ...DEBUG,
    ]);
    servers.push(server);
    await redisCli(server.port, ['DEBUG', 'POPULATE', '200000', 'key', '500']);
    let killed = false;
    const sink = new Writable({
      write(_chunk, _encoding, done) {
        if (!killed) {
          killed = true;
          void server.stop();
        }
        done();
      },
    });
    await assert.rejects(
      fetchRdb({ endpoint: endpoint(server.port), sink }),
      (error: unknown) => error instanceof RedisWireError && error.kind === 'disconnected',
    );
    assert.ok(killed);
  });
});
