import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeMaster, type FakeMaster } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

// The service inherits this: a usual umask that would leave files 0644 and directories 0755, so the modes
// checked below are the ones the service sets itself.
process.umask(0o022);

const ENV = { DCS_JOB_POLL_MS: '100', DCS_SHUTDOWN_GRACE_MS: '500' };
const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);

describe('files the service creates', () => {
  let root: string;
  let dataDir: string;
  let redis: RedisServer;
  let master: FakeMaster;
  let session: CliSession;
  let service: ServiceProcess;
  const cli = (...args: string[]) => session.cli(...args);
  const attach = (port: number, name: string) => session.attach(port, name);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-modes-'));
    redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    await fillSampleData(redis.port);
    const rdb = makeRdb(noise(200_000));
    master = await startFakeMaster({
      afterSync: [Buffer.from(`$${rdb.length}\r\n`), rdb.subarray(0, 100_000), { pauseMs: 60_000 }],
    });
    session = await startCliSession('dcs-modes-data-', ENV, { serviceCreatesDataDir: true });
    ({ service, dataDir } = session);
  });

  after(async () => {
    await session.close();
    await master.close();
    await redis.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps the data directory 0700 and the database, keys and credentials 0600', async () => {
    assert.equal(modeOf(dataDir), '700');
    assert.equal(modeOf(path.join(dataDir, 'backups')), '700');
    for (const name of [
      'metadata.sqlite',
      'metadata.sqlite-wal',
      'metadata.sqlite-shm',
      'master.key',
      'credentials.json',
    ]) {
      assert.equal(modeOf(path.join(dataDir, name)), '600', name);
    }
    assert.doesNotMatch(service.output(), /readable by other local users/);
  });

  it('writes backup files, finished or being written, 0600', async () => {
    const done = await cli('backup', 'create', await attach(redis.port, 'src'), '--wait');
    assert.equal(done.code, 0, done.stderr);
    const backupId = done.stdout.split(' ')[0]!;
    assert.equal(modeOf(path.join(dataDir, 'backups', `${backupId}.rdb`)), '600');

    const slowId = await attach(master.port, 'slow');
    const slow = (await cli('backup', 'create', slowId)).stdout.trim();
    const partial = path.join(dataDir, 'backups', `${slow}.rdb.partial`);
    for (let i = 0; i < 100 && !fs.existsSync(partial); i++) await sleep(50);
    assert.equal(modeOf(partial), '600');
  });

  it('warns at start when an existing data directory is open to other users', async () => {
    const open = path.join(root, 'open');
    fs.mkdirSync(path.join(open, 'backups'), { recursive: true });
    fs.chmodSync(open, 0o755);
    fs.chmodSync(path.join(open, 'backups'), 0o750);
    const other = await startServiceProcess(['--data-dir', open], ENV);
    try {
      const warnings = other
        .output()
        .split('\n')
        .filter((line) => line.includes('readable by other local users'))
        .map((line) => JSON.parse(line) as { dir: string; mode: string; level: number });
      assert.deepEqual(
        warnings.map((w) => [w.dir, w.mode, w.level]),
        [
          [open, '755', 40],
          [path.join(open, 'backups'), '750', 40],
        ],
      );
    } finally {
      await other.stop();
    }
  });
});
