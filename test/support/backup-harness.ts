import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { BlobStore, MetadataStore } from '../../src/core/ports.ts';
import { JobWorker } from '../../src/jobs/job-worker.ts';
import { jobRunner } from '../../src/jobs/run-job.ts';
import { asAdmin, testDeps } from './app.ts';

export interface BackupHarness {
  app: FastifyInstance;
  deps: AppDeps;
  worker: JobWorker;
  close(): Promise<void>;
}

/** The HTTP app with a job worker running backups in the same process, as the service wires them. */
export async function startBackupHarness(
  store: MetadataStore,
  clock: Clock,
  options: {
    leaseMs?: number;
    idleTimeoutMs?: number;
    autoStart?: boolean;
    /** The restore fast path as the service is configured (absent: its default, on where it applies). */
    restoreFastPath?: { advertiseHost?: string } | false;
    /** Wraps the blob store the app and the worker use (to watch or hold its calls). */
    wrapBlobs?: (blobs: BlobStore) => BlobStore;
    /** The largest upload for import (DCS_MAX_IMPORT_MB), in bytes. */
    maxImportBytes?: number;
  } = {},
): Promise<BackupHarness> {
  const deps = testDeps(store, clock);
  if (options.wrapBlobs) deps.blobs = options.wrapBlobs(deps.blobs);
  if (options.maxImportBytes !== undefined) deps.maxImportBytes = options.maxImportBytes;
  const worker = new JobWorker({
    store,
    blobs: deps.blobs,
    clock,
    concurrency: 2,
    leaseMs: options.leaseMs ?? 30_000,
    pollMs: 50,
    run: jobRunner({
      ...deps,
      idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
      restoreTimeoutMs: 10_000,
      ...(options.restoreFastPath !== undefined ? { restoreFastPath: options.restoreFastPath } : {}),
    }),
  });
  deps.onQueued = () => worker.wake();
  const app = await asAdmin(await buildApp(deps), deps);
  if (options.autoStart !== false) worker.start();
  return {
    app,
    deps,
    worker,
    async close() {
      await worker.stop({ abort: true });
      await app.close();
    },
  };
}
