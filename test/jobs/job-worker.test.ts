import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { newId } from '../../src/core/ids.ts';
import type { Job } from '../../src/core/job.ts';
import { JobWorker } from '../../src/jobs/job-worker.ts';
import { PrometheusMetrics } from '../../src/api/observability/prometheus-metrics.ts';
import { backupFileKey } from '../../src/jobs/run-backup.ts';
import { ManualClock } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 8, 1);

function queuedJob(instanceId: string, backupId: string, createdAt: number): Job {
  return {
    id: newId(),
    kind: 'backup',
    instanceId,
    backupId,
    state: 'queued',
    owner: null,
    leaseUntil: null,
    createdAt,
    finishedAt: null,
  };
}

for (const kind of STORE_KINDS) {
  describe(`jobs on ${kind.name}`, () => {
    let opened: OpenedStore;
    let blobs: FsBlobStore;

    before(async () => {
      opened = await kind.open();
      blobs = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-jobs-')));
    });
    after(async () => {
      await opened.dispose();
      fs.rmSync(blobs.dir, { recursive: true, force: true });
    });

    it('runs every job exactly once with two workers sharing the database', async () => {
      const clock = new ManualClock(NOW);
      const queued: Job[] = [];
      for (let i = 0; i < 24; i++) {
        const instance = makeInstance();
        await opened.store.instances.insert(instance);
        const record = makeBackup(instance.id, NOW + i, { status: 'waiting' });
        const job = queuedJob(instance.id, record.id, NOW + i);
        await opened.store.backups.insertQueued(record, job);
        queued.push(job);
      }
      const ran: string[] = [];
      const workers = [1, 2].map(
        () =>
          new JobWorker({
            store: opened.store,
            blobs,
            clock,
            concurrency: 3,
            leaseMs: 60_000,
            pollMs: 5,
            run: async (job) => {
              ran.push(job.id);
              await sleep(Math.random() * 5);
            },
          }),
      );
      for (const worker of workers) worker.start();
      for (let i = 0; i < 400 && ran.length < queued.length; i++) await sleep(10);
      for (const worker of workers) await worker.stop();
      assert.deepEqual([...ran].sort(), queued.map((j) => j.id).sort());
    });

    it('fails the backup of a worker that died, once its lease ran out, and removes its partial file', async () => {
      const clock = new ManualClock(NOW);
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const record = makeBackup(instance.id, NOW, { status: 'waiting', updatedAt: null });
      await opened.store.backups.insertQueued(record, queuedJob(instance.id, record.id, NOW));
      // A process claims the job, starts writing, and dies: no heartbeat ever comes.
      const claimed = await opened.store.jobs.claim('dead-process', NOW + 30_000);
      assert.equal(claimed?.backupId, record.id);
      await opened.store.backups.transition(record.id, ['waiting'], 'backuping');
      const writer = await blobs.create(backupFileKey(record.id));
      writer.stream.write(Buffer.alloc(1000));
      assert.deepEqual((await blobs.list()).partial, [backupFileKey(record.id)]);

      const metrics = new PrometheusMetrics({ processMetrics: false });
      const survivor = new JobWorker({
        store: opened.store,
        blobs,
        clock,
        concurrency: 1,
        leaseMs: 30_000,
        pollMs: 5,
        run: async () => assert.fail('nothing should be run'),
        metrics,
      });
      survivor.start();
      await sleep(50);
      await survivor.idle();
      assert.equal(
        (await opened.store.backups.findById(record.id))?.record.status,
        'backuping',
        'not before the lease ends',
      );

      clock.current = NOW + 30_001;
      survivor.wake();
      await survivor.idle();
      await survivor.stop();
      const after = await opened.store.backups.findById(record.id);
      assert.equal(after?.record.status, 'failed');
      assert.equal(after?.record.errorCode, 'dcs.08.0002');
      assert.equal(after?.record.updatedAt, NOW + 30_001);
      assert.deepEqual((await blobs.list()).partial, []);
      // Counted as a take-over and a failure with the record's code; it did not run here, so no duration.
      const body = (await metrics.render()).body;
      assert.match(body, /^dcs_job_lease_takeovers_total\{kind="backup"\} 1$/m);
      assert.match(
        body,
        /^dcs_jobs_finished_total\{kind="backup",status="failed",error_code="dcs\.08\.0002"\} 1$/m,
      );
      assert.doesNotMatch(body, /^dcs_job_duration_seconds_count/m);
      assert.doesNotMatch(body, /^dcs_jobs_started_total\{/m);
      // The instance is free again.
      const next = makeBackup(instance.id, NOW + 40_000, { status: 'waiting' });
      await opened.store.backups.insertQueued(next, queuedJob(instance.id, next.id, NOW + 40_000));
      assert.equal(await opened.store.jobs.countQueued(), 1);
      assert.equal((await opened.store.backups.lastSucceededAt()).has(instance.id), false);
    });
  });
}
