import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { queuedJob } from '../../src/core/job.ts';
import { JobCancelled } from '../../src/jobs/job-cancelled.ts';
import { JobWorker } from '../../src/jobs/job-worker.ts';
import { ManualClock } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 8, 1);

describe('a worker shutting down', () => {
  let opened: OpenedStore;
  let blobs: FsBlobStore;

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    blobs = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-worker-stop-')));
  });
  after(async () => {
    await opened.dispose();
    fs.rmSync(blobs.dir, { recursive: true, force: true });
  });

  /** A waiting backup of a fresh instance, with its queued job. */
  async function queued() {
    const instance = makeInstance();
    await opened.store.instances.insert(instance);
    const record = makeBackup(instance.id, NOW, { status: 'waiting', updatedAt: null });
    await opened.store.backups.insertQueued(
      record,
      queuedJob('backup', instance.id, record.id, NOW, 'req-1'),
    );
    return record;
  }

  function worker(run: (signal: AbortSignal) => Promise<void>, started: () => void) {
    return new JobWorker({
      store: opened.store,
      blobs,
      clock: new ManualClock(NOW),
      concurrency: 1,
      leaseMs: 60_000,
      pollMs: 60_000,
      run: async (_job, signal) => {
        started();
        await run(signal);
      },
    });
  }

  it('lets a job that ends within the grace period end by itself', async () => {
    const record = await queued();
    let release!: () => void;
    const ended = new Promise<void>((resolve) => (release = resolve));
    let signalSeen: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const subject = worker(async (signal) => {
      signalSeen = signal;
      await ended;
    }, started);
    subject.start();
    await running;
    const stopping = subject.shutdown({ graceMs: 60_000, cancelWaitMs: 60_000 });
    release();
    await stopping;
    assert.equal(signalSeen?.aborted, false, 'not cancelled');
    const job = await opened.store.jobs.claim('another', NOW);
    assert.equal(job, undefined, 'its job is finished, not queued again');
    assert.equal((await opened.store.backups.findById(record.id))?.record.status, 'waiting');
  });

  it('cancels a job past the grace period, and ends one that ignores it from the worker', async () => {
    const record = await queued();
    let reason: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    // A job that notes its cancellation but never ends.
    const subject = worker(async (signal) => {
      signal.addEventListener('abort', () => (reason = signal.reason));
      await new Promise(() => undefined);
    }, started);
    subject.start();
    await running;
    await subject.shutdown({ graceMs: 20, cancelWaitMs: 20 });
    assert.ok(reason instanceof JobCancelled);
    const stored = await opened.store.backups.findById(record.id);
    assert.equal(stored?.record.status, 'failed');
    assert.equal(stored?.record.errorCode, 'dcs.08.0002');
    assert.equal(stored?.detail.errorMessage, 'cancelled: the service stopped');
    // Finished with its lease released: no other worker reaps or reruns it.
    assert.deepEqual(await opened.store.jobs.reapExpired(Number.MAX_SAFE_INTEGER), []);
    assert.equal(await opened.store.jobs.claim('another', NOW), undefined);
  });
});
