import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { newId } from '../../src/core/ids.ts';
import { backupFileKey } from '../../src/jobs/run-backup.ts';
import { MISSING_FILE_REASON, cleanUpStorage } from '../../src/jobs/storage-cleanup.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 10, 23);

async function writeBlob(blobs: FsBlobStore, key: string, commit = true) {
  const writer = await blobs.create(key);
  await new Promise<void>((resolve, reject) =>
    writer.stream.write('REDIS0011', (e) => (e ? reject(e) : resolve())),
  );
  if (commit) await writer.commit();
  else await new Promise<void>((resolve) => writer.stream.end(resolve));
}

for (const kind of STORE_KINDS) {
  describe(`storage clean-up on ${kind.name}`, () => {
    let opened: OpenedStore;
    let blobs: FsBlobStore;

    before(async () => {
      opened = await kind.open();
      blobs = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-cleanup-')));
    });
    after(async () => {
      await opened.dispose();
      fs.rmSync(blobs.dir, { recursive: true, force: true });
    });

    it('removes files no live record owns, keeps the rest, and marks records whose file is gone', async () => {
      const { store } = opened;
      const instance = makeInstance();
      await store.instances.insert(instance);
      const kept = makeBackup(instance.id, NOW);
      const lost = makeBackup(instance.id, NOW + 1);
      const deleted = makeBackup(instance.id, NOW + 2, { status: 'deleted', restorable: false });
      const running = makeBackup(instance.id, NOW + 3, { status: 'backuping', restorable: false });
      await store.backups.insertMany([kept, lost, deleted, running]);
      for (const record of [kept, lost])
        await store.backups.update(record.id, { fileKey: backupFileKey(record.id) });

      await writeBlob(blobs, backupFileKey(kept.id));
      await writeBlob(blobs, backupFileKey(deleted.id)); // its delete crashed before the file went
      const orphan = newId(); // a forced detach dropped its record while the backup ran
      await writeBlob(blobs, backupFileKey(orphan));
      await writeBlob(blobs, backupFileKey(running.id), false); // being written right now
      const deadPartial = newId();
      await writeBlob(blobs, backupFileKey(deadPartial), false);
      fs.writeFileSync(path.join(blobs.dir, 'README.txt'), 'not a backup');

      const report = await cleanUpStorage({ store, blobs });
      assert.deepEqual(report.removedFiles.sort(), [backupFileKey(deleted.id), backupFileKey(orphan)].sort());
      assert.deepEqual(report.removedPartials, [backupFileKey(deadPartial)]);
      assert.deepEqual(report.missingFiles, [lost.id]);
      // Records older than store ids whose file is here are now recorded as this store's.
      assert.deepEqual(report.adoptedFiles, [kept.id]);
      assert.equal((await store.backups.findById(kept.id))!.detail.storeId, blobs.id);

      const listing = await blobs.list();
      assert.deepEqual(listing.committed.sort(), [backupFileKey(kept.id), 'README.txt'].sort());
      assert.deepEqual(listing.partial, [backupFileKey(running.id)]);
      const lostNow = (await store.backups.findById(lost.id))!;
      assert.equal(lostNow.record.status, 'succeed');
      assert.equal(lostNow.record.restorable, false);
      assert.equal(lostNow.detail.errorMessage, MISSING_FILE_REASON);
      assert.equal((await store.backups.findById(kept.id))!.record.restorable, true);

      // A second pass finds nothing left to do.
      assert.deepEqual(await cleanUpStorage({ store, blobs }), {
        removedFiles: [],
        removedPartials: [],
        missingFiles: [],
        adoptedFiles: [],
      });
    });

    it("judges only its own store's files: another node's records are neither missing nor its files", async () => {
      const { store } = opened;
      const other = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-cleanup-other-')));
      try {
        assert.notEqual(other.id, blobs.id);
        const instance = makeInstance();
        await store.instances.insert(instance);
        const theirs = makeBackup(instance.id, NOW);
        const legacy = makeBackup(instance.id, NOW + 1);
        const moved = makeBackup(instance.id, NOW + 2);
        await store.backups.insertMany([theirs, legacy, moved]);
        await store.backups.update(theirs.id, { fileKey: backupFileKey(theirs.id), storeId: other.id });
        await store.backups.update(legacy.id, { fileKey: backupFileKey(legacy.id) });
        // Held by the other store now; the copy left here is nobody's.
        await store.backups.update(moved.id, { fileKey: backupFileKey(moved.id), storeId: other.id });
        await writeBlob(other, backupFileKey(theirs.id));
        await writeBlob(other, backupFileKey(legacy.id));
        await writeBlob(blobs, backupFileKey(moved.id));
        await store.nodes.register({
          id: 'other-node',
          hostName: 'other-host',
          pid: 1,
          url: 'http://other.example:8080',
          storeId: other.id,
          version: '0.0.0',
          startedAt: NOW,
          heartbeatAt: NOW,
          heartbeatMs: 10_000,
          stoppedAt: null,
        });

        const report = await cleanUpStorage({ store, blobs });
        assert.deepEqual(report.missingFiles, [], 'another store may hold them');
        assert.deepEqual(report.removedFiles, [backupFileKey(moved.id)]);
        for (const id of [theirs.id, legacy.id, moved.id]) {
          const now = (await store.backups.findById(id))!;
          assert.equal(now.record.restorable, true);
          assert.notEqual(now.detail.fileKey, null);
        }

        // The other store's own pass keeps its file and adopts the legacy record it holds.
        const theirPass = await cleanUpStorage({ store, blobs: other });
        assert.deepEqual(theirPass.removedFiles, []);
        assert.deepEqual(theirPass.adoptedFiles, [legacy.id]);
        assert.equal((await store.backups.findById(legacy.id))!.detail.storeId, other.id);
      } finally {
        fs.rmSync(other.dir, { recursive: true, force: true });
      }
    });
  });
}
