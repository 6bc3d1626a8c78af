import type { FastifyInstance } from 'fastify';
import type { pino } from 'pino';
import { buildApp } from './api/app.ts';
import { FsBlobStore } from './blobs/fs-blob-store.ts';
import { S3BlobStore } from './blobs/s3-blob-store.ts';
import { type ServiceConfig, describeDatabase } from './config.ts';
import { systemClock } from './core/clock.ts';
import { LinkSigner } from './core/download-links.ts';
import { deriveKey, SecretBox } from './core/auth/secret-box.ts';
import { TokenIssuer } from './core/auth/tokens.ts';
import { Authenticator } from './api/auth/authenticator.ts';
import { bootstrapAdmin } from './service/bootstrap-admin.ts';
import { loadMasterKey } from './service/master-key.ts';
import { readTlsFiles } from './service/tls-files.ts';
import { listeningUrl } from './api/listening-url.ts';
import { backupsDir, prepareDataDir } from './service/data-dir.ts';
import { settlesWithin } from './jobs/settles-within.ts';
import { RespRedisProbe } from './engine/redis-probe.ts';
import { ReaderInspector } from './engine/rdb/reader-inspector.ts';
import { JobWorker, workerName } from './jobs/job-worker.ts';
import { NodePresence } from './jobs/node-presence.ts';
import { packageVersion } from './service/package-version.ts';
import { jobRunner } from './jobs/run-job.ts';
import { BackupScheduler } from './jobs/backup-scheduler.ts';
import { PeriodicTask } from './jobs/periodic-task.ts';
import { cleanUpStorage } from './jobs/storage-cleanup.ts';
import { KyselyMetadataStore } from './store/kysely-metadata-store.ts';
import { createLogger } from './logger.ts';
import { measuredBlobStore } from './blobs/measured-blob-store.ts';
import { listenForMetrics, type MetricsListener } from './api/observability/metrics-listener.ts';
import { PrometheusMetrics, storeMetricsSources } from './api/observability/prometheus-metrics.ts';
import { schedulerEventMetrics } from './jobs/scheduler-metrics.ts';

export interface RunningService {
  app: FastifyInstance;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /**
   * Bounded shutdown: stops listening and claiming jobs, gives running jobs and requests the grace period
   * (DCS_SHUTDOWN_GRACE_MS), then cancels the jobs and cuts the remaining connections, and closes the store.
   * Ends within the grace period plus SHUTDOWN_MARGIN_MS.
   */
  close(): Promise<void>;
}

/** How long cancelled jobs get to write their records once the grace period is over. */
const CANCEL_WAIT_MS = 2_000;
/** What shutdown may take beyond the grace period: the cancel wait, then closing sockets and the store. */
export const SHUTDOWN_MARGIN_MS = 3 * CANCEL_WAIT_MS + 2_000;

/** The blob store the configuration names; a bucket must pass the probe, or the service does not start. */
async function openBlobStore(config: ServiceConfig, logger: pino.Logger): Promise<FsBlobStore | S3BlobStore> {
  if (config.blobs.kind === 'fs') return new FsBlobStore(backupsDir(config.dataDir));
  const blobs = new S3BlobStore(config.blobs.s3, {
    onSpool: ({ key, partBytes, dir }) =>
      logger.info(
        { backupId: /^[0-9a-f-]{36}/.exec(key)?.[0] ?? null, key, partBytes, dir },
        'parts of this upload are too big for memory: spooled to files',
      ),
  });
  try {
    await blobs.probe();
  } catch (error) {
    blobs.close();
    throw error;
  }
  return blobs;
}

/** Composition root: picks the metadata store, builds the app, starts the worker and listens. */
export async function startService(config: ServiceConfig): Promise<RunningService> {
  const logger = createLogger(config);
  // Read before anything else starts: a missing or mismatched certificate stops the start at once.
  const tls = config.tls ? readTlsFiles(config.tls) : undefined;
  for (const open of prepareDataDir(config.dataDir)) {
    logger.warn(
      open,
      'data directory readable by other local users: it holds backups, the metadata and keys; chmod 700 it',
    );
  }
  const master = loadMasterKey(config.masterKey, config.dataDir);
  const storage = await openBlobStore(config, logger);
  const store = await KyselyMetadataStore.open(config.database, new SecretBox(master.key));
  const metrics = new PrometheusMetrics({ sources: storeMetricsSources(store) });
  // Everyone but the composition root sees the measured store: each call's latency and failures are counted.
  const blobs = measuredBlobStore(storage, metrics);
  const probe = new RespRedisProbe();
  const clock = systemClock;
  const inspector = new ReaderInspector();
  // One name for the node in the registry and for the jobs it claims, so each node's running jobs are found.
  const nodeId = workerName();
  const worker = new JobWorker({
    owner: nodeId,
    store,
    blobs,
    clock,
    concurrency: config.jobs.concurrency,
    leaseMs: config.jobs.leaseMs,
    pollMs: config.jobs.pollMs,
    run: jobRunner({
      store,
      blobs,
      probe,
      inspector,
      clock,
      idleTimeoutMs: config.jobs.syncIdleTimeoutMs,
      transferTimeoutMs: config.jobs.syncMaxDurationMs,
      shardConcurrency: config.jobs.clusterShardConcurrency,
      restoreTimeoutMs: config.jobs.syncIdleTimeoutMs,
      restoreFastPath: config.jobs.restoreFastPath,
    }),
    onError: (error) => logger.error({ err: error }, 'job worker error'),
    logger,
    metrics,
  });
  const tokens = new TokenIssuer(deriveKey(master.key, 'tokens'));
  let url = '';
  const app = await buildApp(
    {
      store,
      blobs,
      probe,
      clock,
      links: new LinkSigner(deriveKey(master.key, 'download links')),
      inspector,
      tokens,
      auth: new Authenticator({ credentials: store.credentials, tokens, clock }),
      onQueued: () => worker.wake(),
      maxSaveDays: config.schedule.maxSaveDays,
      listingCacheBytes: config.listingCacheBytes,
      listingIndexBytes: config.listingIndexBytes,
      maxImportBytes: config.maxImportBytes,
      linkBase: () => config.publicUrl ?? url,
      metrics,
      ...(config.metrics.token ? { metricsToken: config.metrics.token } : {}),
      readiness: [
        { name: 'database', check: () => store.checkReady() },
        { name: 'blob_store', check: () => storage.checkReady() },
      ],
    },
    { logger, server: { ...config.http, ...(tls ? { tls } : {}) } },
  );
  const countSchedulerEvent = schedulerEventMetrics(metrics, clock);
  const scheduler = new BackupScheduler({
    store,
    blobs,
    clock,
    onQueued: () => worker.wake(),
    onEvent: (event) => {
      countSchedulerEvent(event);
      logger[event.kind === 'started' || event.kind === 'expired' ? 'info' : 'warn'](
        { ...event, ...('backupId' in event && event.kind !== 'expired' ? { requestId: 'scheduler' } : {}) },
        `automatic backups: ${event.kind}`,
      );
    },
  });
  const schedulerTask = new PeriodicTask(
    async () => {
      await scheduler.tick();
      metrics.schedulerTicked(clock.now());
    },
    config.schedule.tickMs,
    (error) => logger.error({ err: error }, 'scheduler tick failed'),
  );
  const cleanupTask = new PeriodicTask(
    async () => {
      const report = await cleanUpStorage({ store, blobs });
      const { removedFiles, removedPartials, missingFiles, adoptedFiles } = report;
      metrics.cleanupActions('removed_file', removedFiles.length);
      metrics.cleanupActions('removed_partial', removedPartials.length);
      metrics.cleanupActions('missing_file', missingFiles.length);
      metrics.cleanupActions('adopted_file', adoptedFiles.length);
      if (removedFiles.length + removedPartials.length + missingFiles.length + adoptedFiles.length > 0) {
        logger.warn(report, 'storage clean-up');
      }
    },
    config.schedule.cleanupIntervalMs,
    (error) => logger.error({ err: error }, 'storage clean-up failed'),
  );
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  let metricsListener: MetricsListener | undefined;
  if (config.metrics.listen) {
    try {
      metricsListener = await listenForMetrics(metrics, config.metrics.listen);
    } catch (error) {
      await app.close();
      await store.close();
      throw error;
    }
  }
  worker.start();
  schedulerTask.start();
  cleanupTask.start();
  url = listeningUrl(app.server, tls !== undefined, config.host);
  const presence = new NodePresence({
    store,
    clock,
    id: nodeId,
    url: config.publicUrl ?? url,
    storeId: blobs.id,
    version: packageVersion(),
    heartbeatMs: config.nodeHeartbeatMs,
    onError: (error) => logger.error({ err: error }, 'node heartbeat failed'),
  });
  await presence.start();
  const admin = await bootstrapAdmin({ store, clock }, config.dataDir, url);
  if (admin) {
    logger.warn(
      { accessKey: admin.accessKey, file: admin.file },
      'first start: admin credential created (its secret key is in the file, mode 0600)',
    );
  }
  if (!config.publicUrl && (config.host === '0.0.0.0' || config.host === '::')) {
    logger.warn({ url }, 'listening on every address without DCS_PUBLIC_URL: download links name this one');
  }
  logger.info(
    {
      url,
      metadata: describeDatabase(config.database),
      dataDir: config.dataDir,
      blobs: storage instanceof S3BlobStore ? storage.describe() : 'data directory',
      masterKey: master.source,
      metrics: metricsListener ? `${metricsListener.url}/metrics` : config.metrics.token ? 'token' : 'admin',
      node: nodeId,
      blobStore: blobs.id,
    },
    'dcs-backup listening',
  );
  return {
    app,
    url,
    async close() {
      const graceMs = config.shutdownGraceMs;
      const deadline = Date.now() + graceMs;
      logger.info(
        { graceMs },
        'shutting down: no new connections or jobs; running ones have the grace period',
      );
      // Stops listening and closes idle keep-alive sockets; resolves once the requests in flight are answered.
      const httpClosed = app.close();
      const tasksStopped = Promise.all([schedulerTask.stop(), cleanupTask.stop(), metricsListener?.close()]);
      await worker.shutdown({ graceMs, cancelWaitMs: CANCEL_WAIT_MS });
      // A client still sending its request (or never reading the answer) has had the grace period: cut it off.
      if (!(await settlesWithin(httpClosed, Math.max(0, deadline - Date.now())))) {
        logger.warn({}, 'shutting down: closing connections still open after the grace period');
        app.server.closeAllConnections();
      }
      await settlesWithin(httpClosed, CANCEL_WAIT_MS);
      await settlesWithin(tasksStopped, CANCEL_WAIT_MS);
      await settlesWithin(
        presence.stop().catch((error) => logger.error({ err: error }, 'node registry: cannot mark stopped')),
        CANCEL_WAIT_MS,
      );
      await store.close();
      if (storage instanceof S3BlobStore) storage.close();
      logger.info({}, 'dcs-backup stopped');
    },
  };
}
