import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Instance } from '../../src/core/instance.ts';
import { backupFileKey } from '../../src/jobs/run-backup.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { makeInstance } from '../support/records.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';
import { WatchedBlobs } from '../support/watched-blobs.ts';

const NOW = Date.UTC(2024, 10, 1, 9, 0, 0);

for (const kind of STORE_KINDS) {
  describe(`no busy window after a backup, on ${kind.name}`, () => {
    let redis: RedisServer;
    let opened: OpenedStore;
    let harness: BackupHarness;
    let blobs: WatchedBlobs;
    let releaseOpens: () => void;
    let instance: Instance;
    const base = () => `/v2/${instance.projectId}/instances/${instance.id}/backups`;

    before(async () => {
      redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
      await fillSampleData(redis.port);
      opened = await kind.open();
      harness = await startBackupHarness(opened.store, new ManualClock(NOW), {
        wrapBlobs: (inner) => (blobs = new WatchedBlobs(inner)),
      });
      // Any read of a backup file waits until the test ends: a read-back after the transfer would hold the
      // instance busy for as long as the test looks.
      releaseOpens = blobs.holdOpens();
      instance = makeInstance({
        endpoint: { host: '127.0.0.1', port: redis.port, db: 0, username: null, password: null, tls: false },
      });
      await opened.store.instances.insert(instance);
    });

    after(async () => {
      releaseOpens();
      await harness.close();
      await opened.dispose();
      await redis.stop();
    });

    const create = () => harness.app.inject({ method: 'POST', url: base(), payload: {} });
    const detail = async (id: string) =>
      (await harness.app.inject({ method: 'GET', url: `${base()}/${id}` })).json();

    it('accepts the next backup the instant one reads succeed, its content already recorded, the file not read back', async () => {
      const first = await create();
      assert.equal(first.statusCode, 200);
      const id = first.json().backup_id as string;
      let seen = await detail(id);
      // Polls as a client would; the worker runs in this process.
      for (let i = 0; i < 2000 && ['waiting', 'backuping'].includes(seen.status); i++) {
        await sleep(5);
        seen = await detail(id);
      }
      assert.equal(seen.status, 'succeed');
      const next = await create();
      assert.equal(next.statusCode, 200, next.body);

      assert.equal(seen.content?.result, 'ok');
      assert.deepEqual(seen.content.keys_per_db, { '0': 10, '3': 1 });
      const perType = seen.content.keys_per_type as Record<string, number>;
      assert.equal(
        Object.values(perType).reduce((a, b) => a + b, 0),
        11,
      );
      assert.ok(
        Object.keys(perType).some((name) => name.startsWith('stream')),
        JSON.stringify(perType),
      );
      assert.equal(seen.content.keys_with_expiry, 1);
      assert.equal(seen.content.checksum, 'ok');

      await harness.worker.idle();
      const nextId = next.json().backup_id as string;
      assert.equal((await detail(nextId)).status, 'succeed');
      assert.equal(blobs.opens.get(backupFileKey(id)) ?? 0, 0, 'the first file was read back');
      assert.equal(blobs.opens.get(backupFileKey(nextId)) ?? 0, 0, 'the second file was read back');
    });
  });
}
