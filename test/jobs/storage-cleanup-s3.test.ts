import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { S3BlobStore } from '../../src/blobs/s3-blob-store.ts';
import { newId } from '../../src/core/ids.ts';
import { backupFileKey } from '../../src/jobs/run-backup.ts';
import { MISSING_FILE_REASON, cleanUpStorage } from '../../src/jobs/storage-cleanup.ts';
import { writeAll } from '../blobs/blob-store-contract.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 10, 23);

describe('storage clean-up on a bucket (s3rver, SQLite)', () => {
  let opened: OpenedStore;
  let s3: S3Server;
  let blobs: S3BlobStore;

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    s3 = await startS3Server();
    blobs = s3.store('dcs/');
  });
  after(async () => {
    blobs.close();
    await opened.dispose();
    await s3.dispose();
  });

  it('removes orphan objects and aborts uploads no running backup owns, and leaves a running one alone', async () => {
    const { store } = opened;
    const instance = makeInstance();
    await store.instances.insert(instance);
    const kept = makeBackup(instance.id, NOW);
    const lost = makeBackup(instance.id, NOW + 1);
    const running = makeBackup(instance.id, NOW + 2, { status: 'backuping', restorable: false });
    await store.backups.insertMany([kept, lost, running]);
    for (const record of [kept, lost])
      await store.backups.update(record.id, { fileKey: backupFileKey(record.id) });

    const commit = async (key: string) => {
      const writer = await blobs.create(key);
      writer.stream.write('REDIS0011');
      await writer.commit();
    };
    await commit(backupFileKey(kept.id));
    const orphan = newId();
    await commit(backupFileKey(orphan));
    // Two writes whose writers are still "open": one for the running backup, one whose process died.
    const live = await blobs.create(backupFileKey(running.id), { sizeHint: 1 });
    await writeAll(live, randomBytes(6 * 1024 * 1024));
    const deadId = newId();
    const dead = await blobs.create(backupFileKey(deadId), { sizeHint: 1 });
    await writeAll(dead, randomBytes(6 * 1024 * 1024));

    const report = await cleanUpStorage({ store, blobs });
    assert.deepEqual(report.removedFiles, [backupFileKey(orphan)]);
    assert.deepEqual(report.removedPartials, [backupFileKey(deadId)]);
    assert.deepEqual(report.missingFiles, [lost.id]);
    assert.equal((await store.backups.findById(lost.id))!.detail.errorMessage, MISSING_FILE_REASON);
    const listing = await blobs.list();
    assert.deepEqual(listing.committed, [backupFileKey(kept.id)]);
    assert.deepEqual(listing.partial, [backupFileKey(running.id)]);

    // The running backup still completes after the pass.
    await live.commit();
    assert.equal(await blobs.size(backupFileKey(running.id)), 6 * 1024 * 1024);
    dead.stream.destroy();
  });
});
