import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './api/app.ts';
import { type ServiceConfig, describeDatabase } from './config.ts';
import { systemClock } from './core/clock.ts';
import { NodeRedisProbe } from './engine/redis-probe.ts';
import { KyselyMetadataStore } from './store/kysely-metadata-store.ts';

export interface RunningService {
  app: FastifyInstance;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/** Composition root: picks the metadata store, builds the app and listens. */
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
  const app = await buildApp({ store, probe: new NodeRedisProbe(), clock: systemClock }, { logger });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
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
      await store.close();
    },
  };
}
