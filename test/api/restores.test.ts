import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Instance } from '../../src/core/instance.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { command, dumpEveryKey } from '../support/redis-inspect.ts';
import { fillEveryType } from '../support/rich-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { emptyCollectionKeys, rdbWithKeys, stringKey } from '../support/empty-collections-rdb.ts';
import { startFakeMaster } from '../support/fake-master.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PROJECT = 'project-a';
const NOW = Date.UTC(2026, 10, 27, 10);

const attachTo = (server: RedisServer, overrides: Partial<Instance> = {}) =>
  makeInstance({
    projectId: PROJECT,
    endpoint: { host: '127.0.0.1', port: server.port, db: 0, username: null, password: null, tls: false },
    ...overrides,
  });

for (const kind of STORE_KINDS) {
  describe(`restores on ${kind.name}`, () => {
    let source: RedisServer;
    let target: RedisServer;
    let small: RedisServer;
    let opened: OpenedStore;
    let harness: BackupHarness;
    let clock: ManualClock;
    let sourceInstance: Instance;
    let targetInstance: Instance;
    let backupId: string;
    const base = (instance: Instance) => `/v2/${PROJECT}/instances/${instance.id}`;
    const post = (url: string, payload: unknown) =>
      harness.app.inject({ method: 'POST', url, payload: payload as object });

    before(async () => {
      source = await startRedisServer(['--repl-diskless-sync-delay', '0']);
      target = await startRedisServer();
      small = await startRedisServer(['--maxmemory', '1mb']);
      await fillEveryType(source.port);
      opened = await kind.open();
      clock = new ManualClock(NOW);
      harness = await startBackupHarness(opened.store, clock);
      sourceInstance = attachTo(source, { name: 'source' });
      targetInstance = attachTo(target, { name: 'target' });
      for (const instance of [sourceInstance, targetInstance]) await opened.store.instances.insert(instance);
      const created = await post(`${base(sourceInstance)}/backups`, { remark: 'before the move' });
      backupId = created.json().backup_id;
      await harness.worker.idle();
      const backup = (await harness.app.inject(`${base(sourceInstance)}/backups/${backupId}`)).json();
      assert.equal(backup.status, 'succeed', JSON.stringify(backup));
    });
    after(async () => {
      await harness.close();
      await opened.dispose();
      for (const server of [source, target, small]) await server.stop();
    });

    it('records what a new backup holds, keys per database and per type, as soon as it is stored', async () => {
      const detail = (await harness.app.inject(`${base(sourceInstance)}/backups/${backupId}`)).json();
      assert.deepEqual(detail.content.keys_per_db, { 0: 14, 1: 1, 5: 2 });
      assert.equal(detail.content.keys_per_type['list-quicklist-2'], 2);
      assert.equal(detail.content.functions, 1);
      assert.equal(detail.content.sha256_matches, null);
    });

    it('restores a backup into another instance of the project, and lists the record with the DCS fields', async () => {
      await command(target.port, 'SET', 'stale', 'replaced by the restore');
      clock.current = NOW + 1000;
      const response = await post(`${base(targetInstance)}/restores`, {
        backup_id: backupId,
        remark: 'move it',
      });
      assert.equal(response.statusCode, 200, response.body);
      const restoreId = response.json().restore_id;
      assert.match(restoreId, /^[0-9a-f-]{36}$/);
      await harness.worker.idle();

      const list = (await harness.app.inject(`${base(targetInstance)}/restores`)).json();
      assert.equal(list.total_num, 1);
      assert.deepEqual(list.restore_record_response[0], {
        restore_id: restoreId,
        backup_id: backupId,
        backup_name: list.restore_record_response[0].backup_name,
        restore_name: 'restore_20261127100001',
        backup_remark: 'before the move',
        restore_remark: 'move it',
        created_at: '2026-11-27T10:00:01.000Z',
        updated_at: '2026-11-27T10:00:01.000Z',
        progress: '100.00',
        error_code: null,
        status: 'succeed',
      });
      assert.match(list.restore_record_response[0].backup_name, /^backup_\d{14}$/);

      const expected = await dumpEveryKey(source.port);
      const restored = await dumpEveryKey(target.port);
      assert.deepEqual([...restored.keys()].sort(), [...expected.keys()].sort());
      const detail = (await harness.app.inject(`${base(targetInstance)}/restores/${restoreId}`)).json();
      assert.equal(detail.keys_restored, expected.size);
      assert.equal(detail.source_instance_id, sourceInstance.id);
      assert.equal(detail.target_rdb_version, 10);
      // The default path on a plain standalone target: the target loads the file as a replica of the service.
      assert.equal(detail.restore_method, 'replication');
      assert.match(detail.restore_method_reason, /^the replication fast path: the target loaded the file/);
      assert.equal(detail.routes, 'every type: loaded by the target as a replica');
    });

    it("pages, windows and counts restore records with the backup listing's rules", async () => {
      const url = `${base(targetInstance)}/restores`;
      const get = (query: string) => harness.app.inject(`${url}?${query}`);
      assert.equal((await get('limit=1&offset=1')).json().restore_record_response.length, 0);
      assert.equal((await get('limit=1&offset=1')).json().total_num, 1);
      assert.equal((await get('begin_time=20261127100002')).json().total_num, 0);
      assert.equal((await get('begin_time=20261127100001&end_time=20261127100001')).json().total_num, 1);
      assert.equal((await get('limit=0')).json().error_code, 'DCS.4800');
      assert.equal(
        (await get('begin_time=20261127100002&end_time=20261127100001')).json().error_code,
        'DCS.4025',
      );
    });

    it('refuses restores that cannot be done, each with its DCS code', async () => {
      const restores = `${base(targetInstance)}/restores`;
      const failed = makeBackup(sourceInstance.id, NOW - 5000, { status: 'failed', restorable: false });
      const running = makeBackup(sourceInstance.id, NOW - 4000, { status: 'backuping', restorable: false });
      await opened.store.backups.insertMany([failed, running]);
      const stranger = attachTo(source, { projectId: 'project-b', name: 'stranger' });
      await opened.store.instances.insert(stranger);
      const foreign = makeBackup(stranger.id, NOW - 3000);
      await opened.store.backups.insert(foreign);

      const cases: [unknown, number, string, RegExp?][] = [
        [{ backup_id: failed.id }, 400, 'DCS.4087', /the backup is failed/],
        [{ backup_id: running.id }, 400, 'DCS.4087', /the backup is backuping/],
        [{ backup_id: foreign.id }, 400, 'DCS.4031'],
        [{ backup_id: '0b0b0b0b-0000-4000-8000-000000000000' }, 400, 'DCS.4031'],
        [{ backup_id: 'not-a-uuid' }, 400, 'DCS.4031'],
        [{ backup_id: backupId, remark: 'x'.repeat(129) }, 400, 'DCS.4098'],
        [{}, 400, 'DCS.4800', /backup_id/],
        [{ backup_id: backupId, extra: 1 }, 400, 'DCS.4800'],
      ];
      for (const [payload, status, code, message] of cases) {
        const response = await post(restores, payload);
        assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`);
        assert.equal(response.json().error_code, code, JSON.stringify(payload));
        if (message) assert.match(response.json().error_msg, message);
      }
      const unknownInstance = await post(
        `/v2/${PROJECT}/instances/0b0b0b0b-0000-4000-8000-000000000000/restores`,
        {
          backup_id: backupId,
        },
      );
      assert.equal(unknownInstance.json().error_code, 'DCS.3022');
    });

    it('answers DCS.4096 and DCS.4097 while a backup or a restore of the target is under way', async () => {
      await harness.worker.stop();
      try {
        const backup = await post(`${base(targetInstance)}/backups`, {});
        assert.equal(backup.statusCode, 200);
        const busy = await post(`${base(targetInstance)}/restores`, { backup_id: backupId });
        assert.equal(busy.json().error_code, 'DCS.4096');
        const other = attachTo(target, { name: 'other' });
        await opened.store.instances.insert(other);
        assert.equal((await post(`${base(other)}/restores`, { backup_id: backupId })).statusCode, 200);
        assert.equal(
          (await post(`${base(other)}/restores`, { backup_id: backupId })).json().error_code,
          'DCS.4097',
        );
        assert.equal((await post(`${base(other)}/backups`, {})).json().error_code, 'DCS.4097');
      } finally {
        harness.worker.start();
        await harness.worker.idle();
      }
    });

    it('fails a restore the target cannot take before writing anything, saying why', async () => {
      const tight = attachTo(small, { name: 'tight' });
      await opened.store.instances.insert(tight);
      await command(small.port, 'SET', 'precious', 'untouched');
      const response = await post(`${base(tight)}/restores`, { backup_id: backupId });
      await harness.worker.idle();
      const detail = (
        await harness.app.inject(`${base(tight)}/restores/${response.json().restore_id}`)
      ).json();
      assert.equal(detail.status, 'failed');
      assert.equal(detail.error_code, 'dcs.08.0001');
      assert.match(
        detail.error_message,
        /refused before anything was written to the target: .*maxmemory of 1048576 bytes/,
      );
      assert.deepEqual([...(await dumpEveryKey(small.port)).keys()], ['0/precious']);
    });

    it('verifies a stored backup without writing anywhere, and withdraws one whose file was damaged', async () => {
      const url = `${base(sourceInstance)}/backups/${backupId}/verify`;
      const good = await harness.app.inject({ method: 'POST', url });
      assert.equal(good.statusCode, 200, good.body);
      const report = good.json();
      assert.equal(report.result, 'ok');
      assert.equal(report.is_support_restore, 'TRUE');
      assert.equal(report.checksum, 'ok');
      assert.equal(report.sha256_matches, true);
      assert.deepEqual(report.keys_per_db, { 0: 14, 1: 1, 5: 2 });
      assert.equal(report.keys_per_type['stream-listpacks-2'], 1);
      assert.equal(report.functions, 1);
      const detail = (await harness.app.inject(`${base(sourceInstance)}/backups/${backupId}`)).json();
      assert.deepEqual(detail.content.keys_per_db, report.keys_per_db);
      assert.equal(detail.content.result, 'ok');

      const stored = (await opened.store.backups.findById(backupId))!;
      const file = path.join((harness.deps.blobs as unknown as { dir: string }).dir, stored.detail.fileKey!);
      const bytes = fs.readFileSync(file);
      const damaged = Buffer.from(bytes);
      damaged[Math.floor(bytes.length / 2)]! ^= 0xff;
      fs.writeFileSync(file, damaged);
      try {
        // Before any verify notices, a restore's own pre-flight read does, and the target is left alone.
        await command(target.port, 'SET', 'sentinel', 'still here');
        const attempt = await post(`${base(targetInstance)}/restores`, { backup_id: backupId });
        await harness.worker.idle();
        const failed = (
          await harness.app.inject(`${base(targetInstance)}/restores/${attempt.json().restore_id}`)
        ).json();
        assert.equal(failed.status, 'failed');
        assert.match(failed.error_message, /refused before anything was written.*SHA-256 differs/);
        assert.equal((await command(target.port, 'GET', 'sentinel')).value, 'still here');

        const bad = (await harness.app.inject({ method: 'POST', url })).json();
        assert.equal(bad.result, 'problem');
        assert.equal(bad.is_support_restore, 'FALSE');
        assert.ok(bad.problem.length > 0);
        const listed = (await harness.app.inject(`${base(sourceInstance)}/backups`)).json();
        const record = listed.backup_record_response.find(
          (r: { backup_id: string }) => r.backup_id === backupId,
        );
        assert.equal(record.is_support_restore, 'FALSE');
        const refused = await post(`${base(targetInstance)}/restores`, { backup_id: backupId });
        assert.equal(refused.json().error_code, 'DCS.4087');
      } finally {
        fs.writeFileSync(file, bytes);
        const again = (await harness.app.inject({ method: 'POST', url })).json();
        assert.equal(again.is_support_restore, 'TRUE');
      }
    });

    it('backs up, verifies and restores a file with empty collections as Redis loads it, saying so', async () => {
      const rdb = rdbWithKeys([
        stringKey('first', 'one'),
        ...emptyCollectionKeys(),
        stringKey('last', 'two'),
      ]);
      const master = await startFakeMaster({
        afterSync: [Buffer.from(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$${rdb.length}\r\n`), rdb],
      });
      const fresh = await startRedisServer();
      try {
        const odd = attachTo({ port: master.port, stop: async () => undefined }, { name: 'odd' });
        const into = attachTo(fresh, { name: 'fresh' });
        for (const instance of [odd, into]) await opened.store.instances.insert(instance);
        const id = (await post(`${base(odd)}/backups`, {})).json().backup_id;
        await harness.worker.idle();
        const stored = (await harness.app.inject(`${base(odd)}/backups/${id}`)).json();
        assert.equal(stored.status, 'succeed', JSON.stringify(stored));
        assert.deepEqual(stored.content.keys_per_db, { 0: 2 });
        assert.equal(stored.content.empty_keys, 9);
        const verified = (
          await harness.app.inject({ method: 'POST', url: `${base(odd)}/backups/${id}/verify` })
        ).json();
        assert.equal(verified.result, 'ok');
        assert.equal(verified.empty_keys, 9);
        assert.deepEqual(verified.warnings, ['9 empty keys skipped, as Redis does on load']);

        await command(fresh.port, 'SET', 'own', 'replaced by the restore');
        const restoreId = (await post(`${base(into)}/restores`, { backup_id: id })).json().restore_id;
        await harness.worker.idle();
        const detail = (await harness.app.inject(`${base(into)}/restores/${restoreId}`)).json();
        assert.equal(detail.status, 'succeed', JSON.stringify(detail));
        assert.deepEqual(detail.warnings, ['9 empty keys skipped, as Redis does on load']);
        assert.equal(detail.keys_restored, 2);
        assert.deepEqual([...(await dumpEveryKey(fresh.port)).keys()].sort(), ['0/first', '0/last']);
      } finally {
        await master.close();
        await fresh.stop();
      }
    });
  });
}
