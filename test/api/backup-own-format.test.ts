import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { openSession } from '../support/logical-content.ts';
import { makeInstance } from '../support/records.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { sharedBinariesAvailable, sharedBinary } from '../support/shared-bin.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

describe(
  'a backup of Valkey 9 holding hashes with field expiry',
  { skip: !sharedBinariesAvailable() },
  () => {
    let valkey: RedisServer;
    let opened: OpenedStore;
    let harness: BackupHarness;

    before(async () => {
      valkey = await startRedisServer(
        ['--repl-diskless-sync-delay', '0'],
        sharedBinary('valkey-9.1.2/valkey-server'),
      );
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
    });

    it("succeeds in Valkey's own format, and the detail says which RDB version arrived", async () => {
      const instance = makeInstance({
        endpoint: { host: '127.0.0.1', port: valkey.port, db: 0, username: null, password: null, tls: false },
      });
      await opened.store.instances.insert(instance);
      const url = `/v2/${instance.projectId}/instances/${instance.id}/backups`;
      const id = (await harness.app.inject({ method: 'POST', url })).json().backup_id;
      await harness.worker.idle();
      const info = (await harness.app.inject({ method: 'GET', url: `${url}/${id}` })).json();
      assert.equal(info.status, 'succeed', info.error_message);
      assert.equal(info.rdb_version, 80);
      assert.equal(info.source_version, '9.1.2');
      assert.equal(info.is_support_restore, 'TRUE');
      assert.deepEqual(info.content?.keys_per_type, { 'hash-2': 1, string: 1 });
    });
  },
);
