import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { HOUR_MS } from '../../src/core/backup-policy.ts';
import { queuedJob } from '../../src/core/job.ts';
import { setBackupPolicy } from '../../src/core/use-cases/set-backup-policy.ts';
import { BackupScheduler } from '../../src/jobs/backup-scheduler.ts';
import { JobWorker } from '../../src/jobs/job-worker.ts';
import { ManualClock } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 8, 1);
const MONDAY = Date.UTC(2026, 10, 23);

for (const kind of STORE_KINDS) {
  describe(`job log lines on ${kind.name}`, () => {
    let opened: OpenedStore;
    let blobs: FsBlobStore;

    before(async () => {
      opened = await kind.open();
      blobs = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-job-log-')));
    });
    after(async () => {
      await opened.dispose();
      fs.rmSync(blobs.dir, { recursive: true, force: true });
    });

    it('logs the reaping of the backup of a dead worker with its ids and the request that queued it', async () => {
      const clock = new ManualClock(NOW);
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const record = makeBackup(instance.id, NOW, { status: 'waiting' });
      await opened.store.backups.insertQueued(
        record,
        queuedJob('backup', instance.id, record.id, NOW, 'request-42'),
      );
      const claimed = await opened.store.jobs.claim('dead-process', NOW + 1_000);
      assert.equal(claimed?.requestId, 'request-42', 'the creating request id is kept with the job');

      const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
      const worker = new JobWorker({
        store: opened.store,
        blobs,
        clock,
        concurrency: 1,
        leaseMs: 1_000,
        pollMs: 60_000,
        run: async () => assert.fail('nothing should be run'),
        logger: {
          info: (fields, message) => lines.push({ level: 'info', fields: { ...fields }, message }),
          warn: (fields, message) => lines.push({ level: 'warn', fields: { ...fields }, message }),
        },
      });
      clock.current = NOW + 1_001;
      worker.start();
      await worker.idle();
      await worker.stop();
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.level, 'warn');
      assert.match(lines[0]!.message, /^backup reaped/);
      assert.deepEqual(lines[0]!.fields, {
        jobId: claimed!.id,
        backupId: record.id,
        instanceId: instance.id,
        requestId: 'request-42',
        status: 'failed',
        errorCode: 'dcs.08.0002',
        reason: 'the process running this backup stopped before it ended',
      });
    });

    it('queues automatic backups as requested by the scheduler', async () => {
      const { store } = opened;
      const clock = new ManualClock(MONDAY);
      const instance = makeInstance();
      await store.instances.insert(instance);
      await setBackupPolicy({ store, clock, maxSaveDays: 7 }, instance.projectId, instance.id, {
        backupType: 'auto',
        saveDays: 7,
        plan: { weekdays: [1], periodType: 'weekly', beginHour: 2, timezoneOffset: null },
      });
      clock.current = MONDAY + 2 * HOUR_MS + 60_000;
      const report = await new BackupScheduler({ store, blobs, clock }).tick();
      assert.equal(report.started, 1);
      const claimed = await store.jobs.claim('test', clock.now() + 60_000);
      assert.equal(claimed?.instanceId, instance.id);
      assert.equal(claimed?.requestId, 'scheduler');
      await store.jobs.finish(claimed!.id, clock.now());
    });
  });
}
