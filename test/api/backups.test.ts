import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import type { Instance } from '../../src/core/instance.ts';
import { backupFileKey } from '../../src/jobs/run-backup.ts';
import { ManualClock } from '../support/app.ts';
import { startFakeMaster } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { makeInstance } from '../support/records.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const run = promisify(execFile);
const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);

for (const kind of STORE_KINDS) {
  describe(`backups of a real redis-server on ${kind.name}`, () => {
    let redis: RedisServer;
    let opened: OpenedStore;
    let harness: BackupHarness;
    let clock: ManualClock;
    let instance: Instance;
    const base = () => `/v2/${instance.projectId}/instances/${instance.id}/backups`;

    before(async () => {
      redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
      await fillSampleData(redis.port);
      opened = await kind.open();
      clock = new ManualClock(NOW);
      harness = await startBackupHarness(opened.store, clock);
      instance = makeInstance({
        endpoint: { host: '127.0.0.1', port: redis.port, db: 0, username: null, password: null, tls: false },
      });
      await opened.store.instances.insert(instance);
    });

    after(async () => {
      await harness.close();
      await opened.dispose();
      await redis.stop();
    });

    const create = (payload?: object) => harness.app.inject({ method: 'POST', url: base(), payload });
    const listed = async () =>
      (await harness.app.inject({ method: 'GET', url: `${base()}?limit=1000` })).json();
    const detail = async (id: string) =>
      (await harness.app.inject({ method: 'GET', url: `${base()}/${id}` })).json();

    let backupId: string;

    it('answers a backup_id at once and ends succeed with a verified, durable file', async () => {
      const response = await create({ remark: 'first', backup_format: 'rdb' });
      assert.equal(response.statusCode, 200);
      backupId = response.json().backup_id;
      assert.match(backupId, /^[0-9a-f-]{36}$/);
      const early = (await listed()).backup_record_response.find(
        (r: { backup_id: string }) => r.backup_id === backupId,
      );
      assert.ok(['waiting', 'backuping', 'succeed'].includes(early.status));
      assert.equal(early.backup_name, 'backup_20240701080000');
      await harness.worker.idle();

      const record = (await listed()).backup_record_response.find(
        (r: { backup_id: string }) => r.backup_id === backupId,
      );
      assert.equal(record.status, 'succeed');
      assert.equal(record.progress, '100.00');
      assert.equal(record.is_support_restore, 'TRUE');
      assert.equal(record.error_code, null);
      assert.equal(record.remark, 'first');
      assert.equal(record.backup_type, 'manual');
      assert.equal(record.updated_at, '2024-07-01T08:00:00.000Z');

      const info = await detail(backupId);
      const file = fs.readFileSync(await blobPath(backupId));
      assert.equal(record.size, file.length);
      assert.equal(info.sha256, createHash('sha256').update(file).digest('hex'));
      assert.equal(info.rdb_version, 10);
      assert.match(info.source_version, /^\d+\.\d+\.\d+$/);
      assert.match(info.replication_id, /^[0-9a-f]{40}$/);
      assert.equal(info.phase, 'verified');
      assert.equal(info.bytes_received, file.length);
      await run('redis-check-rdb', [await blobPath(backupId)]);
    });

    async function blobPath(id: string): Promise<string> {
      const file = path.join((harness.deps.blobs as FsBlobStore).dir, backupFileKey(id));
      assert.ok(fs.existsSync(file), 'no stored file');
      return file;
    }

    it('refuses a second backup while one is queued, with DCS.4096', async () => {
      await harness.worker.stop();
      const first = await create();
      assert.equal(first.statusCode, 200, first.body);
      const second = await create();
      assert.equal(second.statusCode, 400);
      assert.equal(second.json().error_code, 'DCS.4096');
      const deleteRunning = await harness.app.inject({
        method: 'DELETE',
        url: `${base()}/${first.json().backup_id}`,
      });
      assert.equal(deleteRunning.statusCode, 400);
      assert.equal(deleteRunning.json().error_code, 'DCS.4096');
      harness.worker.start();
      await harness.worker.idle();
      assert.equal((await detail(first.json().backup_id)).status, 'succeed');
    });

    it('validates the CopyInstance body', async () => {
      const cases: [unknown, string][] = [
        [{ remark: 'x'.repeat(129) }, 'DCS.4098'],
        [{ backup_format: 'json' }, 'DCS.4800'],
        [{ remark: 5 }, 'DCS.4800'],
        [{ colour: 'red' }, 'DCS.4800'],
      ];
      for (const [payload, code] of cases) {
        const response = await create(payload as object);
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.equal(response.json().error_code, code, JSON.stringify(payload));
      }
      const notJson = await harness.app.inject({
        method: 'POST',
        url: base(),
        headers: { 'content-type': 'application/json' },
        payload: '{remark',
      });
      assert.equal(notJson.json().error_code, 'DCS.4005');
      // 128 characters, several of them outside the BMP, are within the limit.
      const longest = await create({ remark: '😀'.repeat(64) + 'x'.repeat(64) });
      assert.equal(longest.statusCode, 200, longest.body);
      await harness.worker.idle();
    });

    it('hands out download links that work until they expire and refuses tampered ones', async () => {
      const response = await harness.app.inject({
        method: 'POST',
        url: `${base()}/${backupId}/links`,
        payload: { expiration: 300 },
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.file_path, `${instance.id}/${backupId}/`);
      assert.equal(typeof body.bucket_name, 'string');
      assert.equal(body.links.length, 1);
      assert.match(body.links[0].file_name, /^redis_127\.0\.0\.1_\d+_20240701080000\.rdb$/);
      assert.equal(body.expires_at, '2024-07-01T08:05:00.000Z');
      const url = new URL(body.links[0].link);
      const download = await harness.app.inject({ method: 'GET', url: url.pathname + url.search });
      assert.equal(download.statusCode, 200);
      assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), body.sha256);
      assert.equal(download.headers['content-type'], 'application/octet-stream');

      const otherBackup = url.pathname.replace(backupId, '00000000-0000-4000-8000-000000000000') + url.search;
      const tampered = new URL(url);
      tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
      const otherFile = url.pathname.replace(/\.rdb$/, '.rdx') + url.search;
      for (const bad of [
        tampered.pathname + tampered.search,
        otherFile,
        otherBackup,
        url.pathname + '?expires=1',
      ]) {
        const refused = await harness.app.inject({ method: 'GET', url: bad });
        assert.equal(refused.statusCode, 403, bad);
        assert.equal(refused.json().error_code, 'DCS.4905');
      }
      clock.current = NOW + 300_000;
      const expired = await harness.app.inject({ method: 'GET', url: url.pathname + url.search });
      assert.equal(expired.statusCode, 403);
      assert.equal(expired.json().error_code, 'DCS.4906');
      clock.current = NOW;
    });

    it('validates link requests', async () => {
      for (const [payload, code] of [
        [{ expiration: 299 }, 'DCS.4800'],
        [{ expiration: 86_401 }, 'DCS.4800'],
        [{ expiration: '600' }, 'DCS.4800'],
        [{}, 'DCS.4800'],
      ] as const) {
        const response = await harness.app.inject({
          method: 'POST',
          url: `${base()}/${backupId}/links`,
          payload,
        });
        assert.equal(response.statusCode, 400, JSON.stringify(payload));
        assert.equal(response.json().error_code, code);
      }
      const unknown = await harness.app.inject({
        method: 'POST',
        url: `${base()}/00000000-0000-4000-8000-000000000000/links`,
        payload: { expiration: 600 },
      });
      assert.equal(unknown.json().error_code, 'DCS.4031');
    });

    it('deletes a backup: 204, file gone, record listed as deleted; again DCS.4031', async () => {
      const file = await blobPath(backupId);
      const response = await harness.app.inject({ method: 'DELETE', url: `${base()}/${backupId}` });
      assert.equal(response.statusCode, 204);
      assert.equal(fs.existsSync(file), false);
      const record = (await listed()).backup_record_response.find(
        (r: { backup_id: string }) => r.backup_id === backupId,
      );
      assert.equal(record.status, 'deleted');
      assert.equal(record.is_support_restore, 'FALSE');
      for (const id of [backupId, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const again = await harness.app.inject({ method: 'DELETE', url: `${base()}/${id}` });
        assert.equal(again.statusCode, 400);
        assert.equal(again.json().error_code, 'DCS.4031');
      }
      const links = await harness.app.inject({
        method: 'POST',
        url: `${base()}/${backupId}/links`,
        payload: { expiration: 600 },
      });
      assert.equal(links.json().error_code, 'DCS.4087');
    });

    it('ends failed, with no file left, when the disk refuses the write', async () => {
      await harness.worker.stop();
      const id = (await create()).json().backup_id;
      // The kernel's always-full device stands in for a full disk: every write fails with ENOSPC.
      const partial = path.join((harness.deps.blobs as FsBlobStore).dir, `${backupFileKey(id)}.partial`);
      fs.symlinkSync('/dev/full', partial);
      harness.worker.start();
      await harness.worker.idle();
      const info = await detail(id);
      assert.equal(info.status, 'failed');
      assert.equal(info.error_code, 'dcs.08.0001');
      assert.match(info.error_message, /ENOSPC|no space/i);
      assert.equal(fs.existsSync(partial), false);
      assert.equal(await harness.deps.blobs.size(backupFileKey(id)), undefined);
    });

    it('removes the files of an instance detached with force', async () => {
      const leaving = makeInstance({
        projectId: instance.projectId,
        endpoint: { host: '127.0.0.1', port: redis.port, db: 0, username: null, password: null, tls: false },
      });
      await opened.store.instances.insert(leaving);
      const url = `/v2/${leaving.projectId}/instances/${leaving.id}/backups`;
      const id = (await harness.app.inject({ method: 'POST', url })).json().backup_id;
      await harness.worker.idle();
      const file = await blobPath(id);
      const detached = await harness.app.inject({
        method: 'DELETE',
        url: `/admin/v1/instances/${leaving.id}?force=true`,
      });
      assert.equal(detached.statusCode, 204);
      assert.equal(fs.existsSync(file), false);
    });

    /** Backs up a server at `port` and returns the detail of the failed record, after checking no file was left. */
    async function failedBackupOf(port: number, password: string | null = null) {
      const target = makeInstance({
        projectId: instance.projectId,
        endpoint: { host: '127.0.0.1', port, db: 0, username: null, password, tls: false },
      });
      await opened.store.instances.insert(target);
      const backupsUrl = `/v2/${target.projectId}/instances/${target.id}/backups`;
      const id = (await harness.app.inject({ method: 'POST', url: backupsUrl })).json().backup_id;
      await harness.worker.idle();
      const info = (await harness.app.inject({ method: 'GET', url: `${backupsUrl}/${id}` })).json();
      assert.equal(info.status, 'failed');
      assert.equal(info.is_support_restore, 'FALSE');
      assert.deepEqual((await harness.deps.blobs.list()).partial, []);
      assert.equal(await harness.deps.blobs.size(backupFileKey(id)), undefined);
      return info;
    }

    it('ends failed with dcs.08.0001 and no file when the source drops the connection mid-stream', async () => {
      const rdb = makeRdb(noise(300_000));
      const master = await startFakeMaster({
        afterSync: [Buffer.from(`$${rdb.length}\r\n`), rdb.subarray(0, 150_000), 'close'],
      });
      try {
        const info = await failedBackupOf(master.port);
        assert.equal(info.error_code, 'dcs.08.0001');
        assert.match(info.error_message, /closed after 150000 bytes/);
      } finally {
        await master.close();
      }
    });

    it('ends failed with dcs.08.0001 and no file when the password is wrong', async () => {
      const guarded = await startRedisServer(['--requirepass', 'right-one']);
      try {
        const info = await failedBackupOf(guarded.port, 'wrong-one');
        assert.equal(info.error_code, 'dcs.08.0001');
        assert.match(info.error_message, /authentication failed/);
        assert.ok(!info.error_message.includes('wrong-one'));
      } finally {
        await guarded.stop();
      }
    });
  });
}
