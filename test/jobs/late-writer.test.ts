import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { queuedJob } from '../../src/core/job.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';
import { RespRedisProbe } from '../../src/engine/redis-probe.ts';
import { reapJob } from '../../src/jobs/reap-job.ts';
import { backupFileKey, runBackupJob } from '../../src/jobs/run-backup.ts';
import { ManualClock } from '../support/app.ts';
import { type FakeMaster, startFakeMaster } from '../support/fake-master.ts';
import { makeRdb } from '../support/rdb-bytes.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';
import { WatchedBlobs } from '../support/watched-blobs.ts';

const NOW = Date.UTC(2024, 9, 1, 10, 0, 0);
// SELECTDB 0, then one string key "k" = "v".
const RDB = makeRdb(Buffer.from([0xfe, 0x00, 0x00, 0x01, 0x6b, 0x01, 0x76]));

for (const kind of STORE_KINDS) {
  describe(`a reaped backup job that wakes up, on ${kind.name}`, () => {
    let opened: OpenedStore;
    let master: FakeMaster;
    let dir: string;

    before(async () => {
      opened = await kind.open();
      master = await startFakeMaster({
        afterSync: [Buffer.from(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$${RDB.length}\r\n`), RDB],
      });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-late-'));
    });

    after(async () => {
      await master.close();
      await opened.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('cannot mark its record succeed or write progress, and leaves no file', async () => {
      const clock = new ManualClock(NOW);
      const blobs = new WatchedBlobs(new FsBlobStore(dir));
      const instance = makeInstance({
        endpoint: { host: '127.0.0.1', port: master.port, db: 0, username: null, password: null, tls: false },
      });
      await opened.store.instances.insert(instance);
      const record = makeBackup(instance.id, NOW, {
        status: 'waiting',
        sizeBytes: 0,
        progressHundredths: 0,
        restorable: false,
        updatedAt: null,
      });
      await opened.store.backups.insertQueued(record, queuedJob('backup', instance.id, record.id, NOW));
      const job = (await opened.store.jobs.claim('frozen-process', NOW + 30_000))!;
      assert.equal(job.backupId, record.id);

      // The process starts the backup and freezes just before it creates the file.
      const release = blobs.holdCreates();
      const deps = {
        store: opened.store,
        blobs,
        clock,
        probe: new RespRedisProbe(),
        inspector: new ReaderInspector(),
        idleTimeoutMs: 10_000,
      };
      const running = runBackupJob(deps, job, new AbortController().signal);
      await blobs.created;
      assert.equal((await opened.store.backups.findById(record.id))?.record.status, 'backuping');

      // Its lease runs out; another process reaps the job.
      clock.current = NOW + 60_000;
      const reaped = await opened.store.jobs.reapExpired(clock.now());
      assert.deepEqual(
        reaped.map((j) => j.id),
        [job.id],
      );
      await reapJob(deps, reaped[0]!);
      const failed = (await opened.store.backups.findById(record.id))!;
      assert.equal(failed.record.status, 'failed');

      // It wakes up: the whole snapshot arrives, progress is due (a minute since the last write), the file
      // is written and committed, and the job tries to mark its record succeed.
      release();
      await running;
      assert.ok(
        master.commands.some((c) => c[0] === 'PSYNC'),
        'the transfer did run',
      );
      const after = (await opened.store.backups.findById(record.id))!;
      assert.deepEqual(after, failed);
      assert.equal(after.record.errorCode, 'dcs.08.0002');
      assert.equal(after.detail.errorMessage, 'the process running this backup stopped before it ended');
      assert.equal(after.detail.bytesReceived, 0);
      assert.equal(after.detail.fileKey, null);
      assert.deepEqual(await blobs.list(), { committed: [], partial: [] });
      assert.equal(fs.existsSync(path.join(dir, backupFileKey(record.id))), false);
    });
  });
}
