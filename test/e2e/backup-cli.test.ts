import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startFakeMaster, type FakeMaster } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { fillSampleData, snapshotOf } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { runCli, startServiceProcess } from '../support/service-process.ts';

/** The backup files in the data directory: the store's id file (a dot file) is not one. */
const backupFiles = (dataDir: string) =>
  fs.readdirSync(path.join(dataDir, 'backups')).filter((name) => !name.startsWith('.'));

const run = promisify(execFile);
const JOB_ENV = { DCS_JOB_LEASE_MS: '1500', DCS_JOB_POLL_MS: '100' };

describe('backups through the CLI against a running service', () => {
  let redis: RedisServer;
  let session: CliSession;
  let dataDir: string;
  let instanceId: string;
  let backupId: string;
  let restored: { instanceId: string; restoreId: string } | undefined;
  const cli = (...args: string[]) => session.cli(...args);

  before(async () => {
    redis = await startRedisServer(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
    await fillSampleData(redis.port);
    session = await startCliSession('dcs-backup-cli-', JOB_ENV);
    dataDir = session.dataDir;
    instanceId = await session.attach(redis.port, 'src');
  });

  after(async () => {
    await session.close();
    await redis.stop();
  });

  it('creates a backup and waits for it: exit 0, the phases on stderr', async () => {
    const result = await cli('backup', 'create', instanceId, '--remark', 'from the cli', '--wait');
    assert.equal(result.code, 0, result.stderr);
    const match = /^([0-9a-f-]{36}) succeed, .* sha256 ([0-9a-f]{64})$/m.exec(result.stdout);
    assert.ok(match, result.stdout);
    backupId = match[1]!;
    assert.match(result.stderr, /verified 100\.00%/);
    const list = await cli('backup', 'list', instanceId);
    assert.match(list.stdout, new RegExp(`${backupId}.*manual.*succeed`));
  });

  it('downloads the file, checks its SHA-256, and the file is a valid RDB', async () => {
    const output = path.join(dataDir, 'downloaded.rdb');
    const result = await cli('backup', 'download', instanceId, backupId, '-o', output);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\(verified\)/);
    await run('redis-check-rdb', [output]);
  });

  it('verifies the backup and restores it into a second server, waiting for the end', async () => {
    const verify = await cli('backup', 'verify', instanceId, backupId);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /: ok\nchecksum ok, sha256 matches, restorable TRUE/);
    assert.match(verify.stdout, /db3: 1/);
    const target = await startRedisServer(['--enable-debug-command', 'yes']);
    try {
      const targetId = await session.attach(target.port, 'dst');
      const restore = await cli('restore', 'create', targetId, backupId, '--remark', 'drill', '--wait');
      assert.equal(restore.code, 0, restore.stderr);
      assert.match(restore.stdout, /^[0-9a-f-]{36} succeed, 11 keys/m);
      // Which path the restore took, and why: a plain local target is loaded by replication.
      assert.match(restore.stdout, /^how: replication \(the replication fast path: .+\)$/m);
      restored = { instanceId: targetId, restoreId: restore.stdout.split(' ')[0]! };
      assert.match(restore.stderr, /succeed 100\.00%/);
      assert.deepEqual(await snapshotOf(target.port), await snapshotOf(redis.port));
      const list = await cli('restore', 'list', targetId);
      assert.match(list.stdout, /succeed .*100\.00%.*drill/);
      assert.match(list.stdout, /1 of 1/);
    } finally {
      await target.stop();
    }
  });

  it("shows a backup and a restore as field lines, and with --json as the API's detail view", async () => {
    for (const [kind, instance, id] of [
      ['backup', instanceId, backupId],
      ['restore', restored!.instanceId, restored!.restoreId],
    ] as const) {
      const json = await cli(kind, 'show', instance, id, '--json');
      assert.equal(json.code, 0, json.stderr);
      const detail = JSON.parse(json.stdout) as Record<string, unknown>;
      assert.equal(detail.status, 'succeed');
      const human = await cli(kind, 'show', instance, id);
      assert.equal(human.code, 0, human.stderr);
      assert.throws(() => JSON.parse(human.stdout), 'not JSON without --json');
      assert.match(human.stdout, /^status +succeed$/m);
      // The same fields, named as the API names them.
      const fields = human.stdout.split('\n').map((line) => line.split(' ')[0]);
      assert.deepEqual(fields.filter(Boolean), Object.keys(detail));
    }
  });

  it('deletes it; the record stays listed as deleted and downloads are refused', async () => {
    const deleted = await cli('backup', 'delete', instanceId, backupId);
    assert.equal(deleted.code, 0, deleted.stderr);
    const list = JSON.parse((await cli('backup', 'list', instanceId, '--json')).stdout);
    assert.equal(list.backup_record_response[0].status, 'deleted');
    const download = await cli('backup', 'download', instanceId, backupId, '-o', path.join(dataDir, 'x.rdb'));
    assert.notEqual(download.code, 0);
    assert.match(download.stderr, /DCS\.4087/);
    const again = await cli('backup', 'delete', instanceId, backupId);
    assert.match(again.stderr, /DCS\.4031/);
  });

  it('exits non-zero with the record error when a backup fails', async () => {
    await redis.stop();
    const result = await cli('backup', 'create', instanceId, '--wait');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /failed: dcs\.08\.0001 cannot connect/);
  });
});

describe('a service killed in the middle of a backup', () => {
  let master: FakeMaster;
  let dataDir: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-kill-'));
    const rdb = makeRdb(noise(200_000));
    // The master sends part of the snapshot, then holds the connection open for longer than the test.
    master = await startFakeMaster({
      afterSync: [Buffer.from(`$${rdb.length}\r\n`), rdb.subarray(0, 100_000), { pauseMs: 60_000 }],
    });
  });

  after(async () => {
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no record backuping and no file behind after a restart', async () => {
    let service = await startServiceProcess(['--data-dir', dataDir], JOB_ENV);
    const cli = (...args: string[]) =>
      runCli(['--endpoint', service.url, ...args], { DCS_DATA_DIR: dataDir });
    const instanceId = (
      await cli('instance', 'attach', `redis://127.0.0.1:${master.port}`, '--project', 'p1', '--name', 'slow')
    ).stdout.trim();
    const created = await cli('backup', 'create', instanceId);
    const backupId = created.stdout.trim();
    const status = async () =>
      JSON.parse((await cli('backup', 'show', instanceId, backupId, '--json')).stdout) as {
        status: string;
        bytes_received: number;
        error_code: string | null;
      };
    for (let i = 0; i < 100 && (await status()).status !== 'backuping'; i++) await sleep(100);
    assert.equal((await status()).status, 'backuping');
    assert.equal(backupFiles(dataDir).length, 1, 'a partial file is being written');

    await service.kill();
    service = await startServiceProcess(['--data-dir', dataDir], JOB_ENV);
    let final = await status();
    for (let i = 0; i < 100 && final.status === 'backuping'; i++) {
      await sleep(100);
      final = await status();
    }
    assert.equal(final.status, 'failed');
    assert.equal(final.error_code, 'dcs.08.0002');
    assert.deepEqual(backupFiles(dataDir), []);
    assert.equal(await service.stop(), 0);
  });
});
