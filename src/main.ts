import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './api/app.ts';
import { FsBlobStore } from './blobs/fs-blob-store.ts';
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
import { RespRedisProbe } from './engine/redis-probe.ts';
import { ReaderInspector } from './engine/rdb/reader-inspector.ts';
import { JobWorker } from './jobs/job-worker.ts';
import { jobRunner } from './jobs/run-job.ts';
import { BackupScheduler } from './jobs/backup-scheduler.ts';
import { PeriodicTask } from './jobs/periodic-task.ts';
import { cleanUpStorage } from './jobs/storage-cleanup.ts';
import { KyselyMetadataStore } from './store/kysely-metadata-store.ts';

export interface RunningService {
  app: FastifyInstance;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/** Composition root: picks the metadata store, builds the app, starts the worker and listens. */
export async function startService(config: ServiceConfig): Promise<RunningService> {
  const logger = pino({
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-auth-token"]', '*.password'],
      censor: '[redacted]',
    },
  });
  // Read before anything else starts: a missing or mismatched certificate stops the start at once.
  const tls = config.tls ? readTlsFiles(config.tls) : undefined;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const master = loadMasterKey(config.masterKey, config.dataDir);
  const store = await KyselyMetadataStore.open(config.database, new SecretBox(master.key));
  const blobs = new FsBlobStore(path.join(config.dataDir, 'backups'));
  const probe = new RespRedisProbe();
  const clock = systemClock;
  const inspector = new ReaderInspector();
  const worker = new JobWorker({
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
      restoreTimeoutMs: config.jobs.syncIdleTimeoutMs,
      ...(config.jobs.restoreFastPath ? { restoreFastPath: config.jobs.restoreFastPath } : {}),
    }),
    onError: (error) => logger.error({ err: error }, 'job worker error'),
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
      linkBase: () => config.publicUrl ?? url,
    },
    { logger, server: { ...config.http, ...(tls ? { tls } : {}) } },
  );
  const scheduler = new BackupScheduler({
    store,
    blobs,
    clock,
    onQueued: () => worker.wake(),
    onEvent: (event) =>
      logger[event.kind === 'started' || event.kind === 'expired' ? 'info' : 'warn'](
        event,
        `automatic backups: ${event.kind}`,
      ),
  });
  const schedulerTask = new PeriodicTask(
    () => scheduler.tick(),
    config.schedule.tickMs,
    (error) => logger.error({ err: error }, 'scheduler tick failed'),
  );
  const cleanupTask = new PeriodicTask(
    async () => {
      const report = await cleanUpStorage({ store, blobs });
      if (report.removedFiles.length + report.removedPartials.length + report.missingFiles.length > 0) {
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
  worker.start();
  schedulerTask.start();
  cleanupTask.start();
  url = listeningUrl(app.server, tls !== undefined, config.host);
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
    { url, metadata: describeDatabase(config.database), dataDir: config.dataDir, masterKey: master.source },
    'dcs-backup listening',
  );
  return {
    app,
    url,
    async close() {
      await app.close();
      await schedulerTask.stop();
      await cleanupTask.stop();
      await worker.stop({ abort: true });
      await store.close();
    },
  };
}
