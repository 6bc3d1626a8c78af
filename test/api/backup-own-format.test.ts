import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { openSession, plain } from '../support/logical-content.ts';
import { makeInstance } from '../support/records.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { sharedBinariesAvailable, sharedBinary } from '../support/shared-bin.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const at = (port: number) => ({ host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false });

describe(
  'a backup of Valkey 9 holding hashes with field expiry',
  { skip: !sharedBinariesAvailable() },
  () => {
    let valkey: RedisServer;
    let redis70: RedisServer;
    let opened: OpenedStore;
    let harness: BackupHarness;
    let backupId: string;
    let sourceInstanceId: string;

    before(async () => {
      valkey = await startRedisServer(
        ['--repl-diskless-sync-delay', '0'],
        sharedBinary('valkey-9.1.2/valkey-server'),
      );
      redis70 = await startRedisServer();
      const session = await openSession(valkey.port);
      try {
        await session.call('HSETEX', 'hash:field-ttl', 'PX', '3600000', 'FIELDS', '1', 'a', '1');
        await session.call('HSET', 'hash:field-ttl', 'b', '2');
        await session.call('SET', 'plain', 'value');
      } finally {
        session.close();
      }
      opened = await STORE_KINDS[0]!.open();
      harness = await startBackupHarness(opened.store, new ManualClock(Date.UTC(2024, 6, 1)));
    });

    after(async () => {
      await harness.close();
      await opened.dispose();
      await valkey.stop();
      await redis70.stop();
    });

    it("succeeds in Valkey's own format, and the detail says which RDB version arrived", async () => {
      const instance = makeInstance({ endpoint: at(valkey.port) });
      await opened.store.instances.insert(instance);
      sourceInstanceId = instance.id;
      const url = `/v2/${instance.projectId}/instances/${instance.id}/backups`;
      backupId = (await harness.app.inject({ method: 'POST', url })).json().backup_id;
      await harness.worker.idle();
      const info = (await harness.app.inject({ method: 'GET', url: `${url}/${backupId}` })).json();
      assert.equal(info.status, 'succeed', info.error_message);
      assert.equal(info.rdb_version, 80);
      assert.equal(info.source_version, '9.1.2');
      assert.equal(info.is_support_restore, 'TRUE');
      assert.deepEqual(info.content?.keys_per_type, { 'hash-2': 1, string: 1 });
    });

    it('restores into Redis 7.0, which has no field expiry, with the fields and a warning', async () => {
      assert.ok(backupId, 'the backup failed');
      const target = makeInstance({ endpoint: at(redis70.port) });
      await opened.store.instances.insert(target);
      const url = `/v2/${target.projectId}/instances/${target.id}/restores`;
      const response = await harness.app.inject({ method: 'POST', url, payload: { backup_id: backupId } });
      assert.equal(response.statusCode, 200, response.body);
      await harness.worker.idle();
      const detail = (await harness.app.inject(`${url}/${response.json().restore_id}`)).json();
      assert.equal(detail.status, 'succeed', detail.error_message);
      assert.equal(detail.source_instance_id, sourceInstanceId);
      assert.equal(detail.target_rdb_version, 10);
      assert.match(detail.routes, /hash-2: rewrite/);
      assert.equal(detail.keys_rewritten, 1);
      assert.ok(
        detail.warnings.some((w: string) => /field expiry/.test(w)),
        JSON.stringify(detail.warnings),
      );
      const session = await openSession(redis70.port);
      try {
        const flat = plain(await session.call('HGETALL', 'hash:field-ttl')) as string[];
        const fields = Object.fromEntries(flat.flatMap((f, i) => (i % 2 === 0 ? [[f, flat[i + 1]]] : [])));
        assert.deepEqual(fields, { a: '1', b: '2' });
      } finally {
        session.close();
      }
    });
  },
);
