import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './api/app.ts';
import { FsBlobStore } from './blobs/fs-blob-store.ts';
import { type ServiceConfig, describeDatabase } from './config.ts';
import { systemClock } from './core/clock.ts';
import { LinkSigner } from './core/download-links.ts';
import { RespRedisProbe } from './engine/redis-probe.ts';
import { JobWorker } from './jobs/job-worker.ts';
import { runBackupJob } from './jobs/run-backup.ts';
import { KyselyMetadataStore } from './store/kysely-metadata-store.ts';

export interface RunningService {
  app: FastifyInstance;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/**
 * The key behind download links, generated on first start and kept in the data dir (mode 0600). Processes
 * that serve the same links must share it.
 */
function loadLinkKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'link-signing.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const key = randomBytes(32);
    fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  }
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
  fs.mkdirSync(config.dataDir, { recursive: true });
  const store = await KyselyMetadataStore.open(config.database);
  const blobs = new FsBlobStore(path.join(config.dataDir, 'backups'));
  const probe = new RespRedisProbe();
  const clock = systemClock;
  const worker = new JobWorker({
    store,
    blobs,
    clock,
    concurrency: config.jobs.concurrency,
    leaseMs: config.jobs.leaseMs,
    pollMs: config.jobs.pollMs,
    run: (job, signal) =>
      runBackupJob({ store, blobs, probe, clock, idleTimeoutMs: config.jobs.syncIdleTimeoutMs }, job, signal),
    onError: (error) => logger.error({ err: error }, 'job worker error'),
  });
  const app = await buildApp(
    {
      store,
      blobs,
      probe,
      clock,
      links: new LinkSigner(loadLinkKey(config.dataDir)),
      onQueued: () => worker.wake(),
    },
    { logger },
  );
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  worker.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, metadata: describeDatabase(config.database), dataDir: config.dataDir },
    'dcs-backup listening',
  );
  return {
    app,
    url,
    async close() {
      await app.close();
      await worker.stop({ abort: true });
      await store.close();
    },
  };
}
