import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { contentOf, openSession, type ServerContent } from '../support/logical-content.ts';
import { makeInstance } from '../support/records.ts';
import { pipeFile } from '../support/redis-pipe.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { fillEveryType } from '../support/rich-data.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const run = promisify(execFile);
const at = (port: number) => ({ host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false });
const BIG_SET = 200_000;
/**
 * The 200k-element set lives in database 16, past the 16 that contentOf reads key by key (slowly for so many
 * members): it is compared by its members' digest instead. Every server here has 17 databases.
 */
const BIG_DB = 16;
const DATABASES = ['--databases', '17'];

/** SHA-256 of the big set's sorted members, read with redis-cli. */
async function bigSetDigest(port: number): Promise<string> {
  const { stdout } = await run(
    'redis-cli',
    ['-p', String(port), '-n', String(BIG_DB), 'SMEMBERS', 'set:200k'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const members = stdout.split('\n').filter(Boolean).sort();
  assert.equal(members.length, BIG_SET, 'members of set:200k');
  return createHash('sha256').update(members.join('\n')).digest('hex');
}

/** Waits for a server started on a file to finish loading it (it answers LOADING until then). */
async function untilLoaded(port: number): Promise<void> {
  for (;;) {
    try {
      (await openSession(port)).close();
      return;
    } catch (error) {
      if (!/LOADING/.test((error as Error).message)) throw error;
      await sleep(20);
    }
  }
}

/** Equal key by key (type and value), TTLs within a second, and the same function libraries. */
function assertSameContent(expected: ServerContent, actual: ServerContent, what: string): void {
  assert.deepEqual([...actual.keys.keys()].sort(), [...expected.keys.keys()].sort(), `${what}: keys`);
  for (const [name, want] of expected.keys) {
    const got = actual.keys.get(name)!;
    assert.equal(got.type, want.type, `${what}: type of ${name}`);
    assert.deepEqual(got.value, want.value, `${what}: value of ${name}`);
    if (want.pttl === -1) assert.equal(got.pttl, -1, `${what}: ${name} has no TTL`);
    else assert.ok(Math.abs(got.pttl - want.pttl) <= 1000, `${what}: TTL of ${name}`);
  }
  assert.deepEqual(actual.functions, expected.functions, `${what}: functions`);
}

describe('AOF-format backups of a Redis 7.0 holding every type', () => {
  let source: RedisServer;
  let target: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let expected: ServerContent;
  let bigSet = '';
  let backupId = '';
  let instance: ReturnType<typeof makeInstance>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-aof-backup-'));
  const aofFile = path.join(dir, 'appendonly.aof');
  const base = () => `/v2/${instance.projectId}/instances/${instance.id}/backups`;

  before(async () => {
    [source, target] = await Promise.all([
      startRedisServer(['--repl-diskless-sync-delay', '0', ...DATABASES]),
      startRedisServer(DATABASES),
    ]);
    await fillEveryType(source.port);
    const session = await openSession(source.port);
    try {
      await session.call('SELECT', String(BIG_DB));
      for (let i = 0; i < BIG_SET; i += 10_000) {
        const members = Array.from({ length: 10_000 }, (_, j) => `member-${i + j}`);
        await session.call('SADD', 'set:200k', ...members);
      }
    } finally {
      session.close();
    }
    expected = await contentOf(source.port, { fieldExpiry: false });
    bigSet = await bigSetDigest(source.port);
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(Date.UTC(2024, 6, 1)));
    instance = makeInstance({ endpoint: at(source.port) });
    await opened.store.instances.insert(instance);
  });

  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await Promise.all([source?.stop(), target?.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is taken, listed with backup_format "aof", and its detail says the keys and the source RDB version', async () => {
    const created = await harness.app.inject({
      method: 'POST',
      url: base(),
      payload: { backup_format: 'aof' },
    });
    assert.equal(created.statusCode, 200, created.body);
    backupId = created.json().backup_id;
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base()}/${backupId}`)).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    assert.equal(detail.backup_format, 'aof');
    assert.equal(detail.rdb_version, 10);
    assert.equal(detail.is_support_restore, 'TRUE');
    assert.deepEqual(detail.content.keys_per_db, { '0': 14, '1': 1, '5': 2, '16': 1 });
    const aof = (await harness.app.inject(`${base()}?backup_format=aof`)).json();
    assert.deepEqual(
      aof.backup_record_response.map((r: { backup_id: string }) => r.backup_id),
      [backupId],
    );
    const rdb = (await harness.app.inject(`${base()}?backup_format=rdb`)).json();
    assert.equal(rdb.backup_record_response.length, 0);
  });

  it('is not read as an RDB by verify (DCS.4902), and stays restorable', async () => {
    assert.ok(backupId, 'the backup failed');
    const verify = await harness.app.inject({ method: 'POST', url: `${base()}/${backupId}/verify` });
    assert.equal(verify.statusCode, 400, verify.body);
    assert.equal(verify.json().error_code, 'DCS.4902');
    const detail = (await harness.app.inject(`${base()}/${backupId}`)).json();
    assert.equal(detail.is_support_restore, 'TRUE');
  });

  it('downloads as appendonly.aof, with the SHA-256 the record gives', async () => {
    assert.ok(backupId, 'the backup failed');
    const response = await harness.app.inject({
      method: 'POST',
      url: `${base()}/${backupId}/links`,
      payload: { expiration: 600 },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.links[0].file_name, 'appendonly.aof');
    const url = new URL(body.links[0].link);
    const download = await harness.app.inject({ method: 'GET', url: url.pathname + url.search });
    assert.equal(download.statusCode, 200);
    assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), body.sha256);
    assert.equal(download.rawPayload.subarray(0, 1).toString(), '*', 'a RESP command stream');
    fs.writeFileSync(aofFile, download.rawPayload);
  });

  it('loads with redis-cli --pipe into an empty server: every key equal', async () => {
    assert.ok(fs.existsSync(aofFile), 'no file downloaded');
    const empty = await startRedisServer(DATABASES);
    try {
      await pipeFile(empty.port, aofFile);
      assertSameContent(expected, await contentOf(empty.port, { fieldExpiry: false }), 'redis-cli --pipe');
      assert.equal(await bigSetDigest(empty.port), bigSet);
    } finally {
      await empty.stop();
    }
  });

  it('loads as the old-style AOF of a fresh redis-server started with appendonly yes', async () => {
    assert.ok(fs.existsSync(aofFile), 'no file downloaded');
    // Redis 7 loads appendonly.aof from its dir when appenddirname holds no manifest, and upgrades it.
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-aof-start-'));
    fs.copyFileSync(aofFile, path.join(own, 'appendonly.aof'));
    const started = await startRedisServer(['--dir', own, '--appendonly', 'yes', ...DATABASES]);
    try {
      await untilLoaded(started.port);
      assertSameContent(expected, await contentOf(started.port, { fieldExpiry: false }), 'AOF load at start');
      assert.equal(await bigSetDigest(started.port), bigSet);
    } finally {
      await started.stop();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('restores through RestoreInstance: every key equal', async () => {
    assert.ok(backupId, 'the backup failed');
    const instanceB = makeInstance({ endpoint: at(target.port) });
    await opened.store.instances.insert(instanceB);
    const url = `/v2/${instanceB.projectId}/instances/${instanceB.id}/restores`;
    const response = await harness.app.inject({ method: 'POST', url, payload: { backup_id: backupId } });
    assert.equal(response.statusCode, 200, response.body);
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${url}/${response.json().restore_id}`)).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    assert.equal(detail.progress, '100.00');
    assertSameContent(expected, await contentOf(target.port, { fieldExpiry: false }), 'RestoreInstance');
    assert.equal(await bigSetDigest(target.port), bigSet);
  });

  it('refuses to restore a stored AOF whose bytes changed, leaving the target untouched', async () => {
    assert.ok(backupId, 'the backup failed');
    const stored = (await opened.store.backups.findById(backupId))!;
    const key = stored.detail.fileKey!;
    const bytes = fs.readFileSync(aofFile);
    bytes[bytes.length - 3] = 0x41;
    const writer = await harness.deps.blobs.create(key);
    writer.stream.end(bytes);
    await writer.commit();
    const session = await openSession(target.port);
    await session.call('SET', 'marker', 'still here');
    session.close();
    const instanceB = makeInstance({ endpoint: at(target.port) });
    await opened.store.instances.insert(instanceB);
    const url = `/v2/${instanceB.projectId}/instances/${instanceB.id}/restores`;
    const response = await harness.app.inject({ method: 'POST', url, payload: { backup_id: backupId } });
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${url}/${response.json().restore_id}`)).json();
    assert.equal(detail.status, 'failed');
    assert.match(detail.error_message, /refused before anything was written.*SHA-256/);
    const after = await contentOf(target.port, { fieldExpiry: false });
    assert.equal(after.keys.get('0/marker')?.value, 'still here');
  });
});
