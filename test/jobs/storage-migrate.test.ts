import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import type { S3BlobStore } from '../../src/blobs/s3-blob-store.ts';
import type { ShardFile } from '../../src/core/backup-detail.ts';
import type { BackupRecord } from '../../src/core/backup-record.ts';
import { migrateStorage, type MigrationLine, type MigrationTarget } from '../../src/jobs/storage-migrate.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 11, 2);
const keyOf = (record: BackupRecord) => `${record.id}.rdb`;

/** The bucket store, with a hook run before each metadata look-up (the moment just before an upload). */
function withHook(target: S3BlobStore, hook: (key: string) => Promise<void>): MigrationTarget {
  return {
    id: target.id,
    create: (key, options) => target.create(key, options),
    open: (key, range) => target.open(key, range),
    size: (key) => target.size(key),
    remove: (key) => target.remove(key),
    removePartial: (key) => target.removePartial(key),
    list: () => target.list(),
    metadata: async (key) => {
      await hook(key);
      return target.metadata(key);
    },
  };
}

for (const kind of STORE_KINDS) {
  describe(`storage migrate on ${kind.name}`, () => {
    let opened: OpenedStore;
    let local: FsBlobStore;
    let s3: S3Server;
    let target: S3BlobStore;

    before(async () => {
      opened = await kind.open();
      local = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-migrate-')));
      s3 = await startS3Server();
      target = s3.store('dcs/');
    });
    after(async () => {
      target.close();
      await s3.dispose();
      await opened.dispose();
      fs.rmSync(local.dir, { recursive: true, force: true });
    });

    it("moves only this directory's successful files, leaves other stores' records alone", async () => {
      const { store } = opened;
      const instance = makeInstance();
      await store.instances.insert(instance);
      const at = (n: number, overrides: Partial<BackupRecord> = {}) =>
        makeBackup(instance.id, NOW + n, overrides);
      const own = at(0);
      const old = at(1); // from before store ids: no store recorded, file here
      const oldElsewhere = at(2); // no store recorded, file not here: maybe on another node
      const otherNode = at(3);
      const deleted = at(4, { status: 'deleted', restorable: false });
      const missing = at(5);
      const raced = at(6); // deleted while the command runs
      const records = [own, old, oldElsewhere, otherNode, deleted, missing, raced];
      await store.backups.insertMany(records);
      const storeOf: Record<string, string | null> = {
        [old.id]: null,
        [oldElsewhere.id]: null,
        [otherNode.id]: 'fs:another-node',
      };
      for (const record of records) {
        const bytes = Buffer.from(`REDIS0011 ${record.id}`);
        if (record !== oldElsewhere && record !== missing && record !== otherNode) {
          const writer = await local.create(keyOf(record));
          writer.stream.end(bytes);
          await writer.commit();
        }
        await store.backups.update(record.id, {
          fileKey: keyOf(record),
          storeId: record.id in storeOf ? storeOf[record.id]! : local.id,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          rdbVersion: 11,
        });
      }
      const storeIdOf = async (record: BackupRecord) =>
        (await store.backups.findById(record.id))?.detail.storeId;

      const dry = await migrateStorage({ store, local, target, dryRun: true });
      assert.deepEqual(dry, { moved: 3, skipped: 0, failed: 1, bytes: 0 });
      assert.equal(await storeIdOf(own), local.id);
      assert.deepEqual((await target.list()).committed, []);

      // A leftover object that claims the right checksum but is not the whole file is sent again.
      const leftover = await target.create(keyOf(own));
      leftover.stream.end(Buffer.from('REDIS'));
      const ownSha = (await store.backups.findById(own.id))!.detail.sha256!;
      await leftover.commit({ sha256: ownSha });

      const lines: MigrationLine[] = [];
      const racing = withHook(target, async (key) => {
        if (key === keyOf(raced)) {
          assert.ok(
            await store.backups.transition(raced.id, ['succeed'], 'deleted', { updatedAt: NOW + 10 }),
          );
        }
      });
      const summary = await migrateStorage({
        store,
        local,
        target: racing,
        onLine: (line) => lines.push(line),
      });
      const outcome = (record: BackupRecord) => lines.find((line) => line.id === record.id)?.outcome;
      assert.equal(outcome(own), 'moved');
      assert.equal(outcome(old), 'moved');
      assert.equal(outcome(missing), 'failed');
      assert.equal(outcome(raced), 'skipped');
      for (const record of [oldElsewhere, otherNode, deleted]) assert.equal(outcome(record), undefined);
      assert.equal(summary.moved, 2);
      assert.equal(summary.failed, 1);

      assert.equal(await storeIdOf(own), target.id);
      assert.equal(await storeIdOf(old), target.id);
      assert.equal(await storeIdOf(oldElsewhere), null);
      assert.equal(await storeIdOf(otherNode), 'fs:another-node');
      assert.equal(await storeIdOf(missing), local.id);
      // The deleted record is not brought back nor switched.
      const racedNow = await store.backups.findById(raced.id);
      assert.equal(racedNow?.record.status, 'deleted');
      assert.equal(racedNow?.detail.storeId, local.id);
      assert.equal((await target.metadata(keyOf(own)))?.['backup-id'], own.id);
      assert.match(lines.find((line) => line.id === own.id)!.detail, /^uploaded \d+ bytes/);
      const body = await target.open(keyOf(own));
      const chunks: Buffer[] = [];
      for await (const chunk of body!) chunks.push(chunk as Buffer);
      assert.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), ownSha);
      assert.equal(await target.size(keyOf(deleted)), undefined);
    });

    it('leaves a cluster backup and every shard file on this directory, saying it is not moved yet', async () => {
      const { store } = opened;
      const instance = makeInstance({ type: 'cluster' });
      await store.instances.insert(instance);
      const record = makeBackup(instance.id, NOW + 100);
      await store.backups.insertMany([record]);
      const shards: ShardFile[] = [
        [0, 8191],
        [8192, 16383],
      ].map(([first, last], index) => {
        const bytes = Buffer.from(`REDIS0011 shard ${index}`);
        return {
          index,
          slots: [[first!, last!]],
          nodeId: `node-${index}`,
          host: '127.0.0.1',
          port: 7000 + index,
          role: 'replica',
          fileKey: `${record.id}.shard-${index}-${first}-${last}.rdb`,
          sizeBytes: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          rdbVersion: 11,
          keys: 1,
        };
      });
      for (const shard of shards) {
        const writer = await local.create(shard.fileKey);
        writer.stream.end(Buffer.from(`REDIS0011 shard ${shard.index}`));
        await writer.commit();
      }
      // As a cluster backup is recorded: the first shard's key, no whole-backup SHA-256, every shard's file.
      await store.backups.update(record.id, {
        fileKey: shards[0]!.fileKey,
        sha256: null,
        shards,
        storeId: local.id,
        rdbVersion: 11,
      });

      const lines: MigrationLine[] = [];
      await migrateStorage({ store, local, target, onLine: (line) => lines.push(line) });
      const line = lines.find((one) => one.id === record.id);
      assert.equal(line?.outcome, 'skipped');
      assert.match(line.detail, /cluster backup \(2 shard files\): not moved yet/);
      assert.equal((await store.backups.findById(record.id))?.detail.storeId, local.id);
      for (const shard of shards) {
        assert.equal(await target.size(shard.fileKey), undefined);
        assert.equal(await local.size(shard.fileKey), shard.sizeBytes);
      }
    });
  });
}
