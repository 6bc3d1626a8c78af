import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { S3BlobStore, type S3Settings } from '../../src/blobs/s3-blob-store.ts';

/** The part of s3rver's API the tests use (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** s3rver's fixed account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** The environment a service process needs to use this bucket. */
  env(prefix?: string): NodeJS.ProcessEnv;
  settings(prefix?: string): S3Settings;
  /** A store on this bucket with the test credentials. */
  store(prefix?: string): S3BlobStore;
  /** Stops answering at once: open connections are cut, new ones refused. */
  stop(): Promise<void>;
  /** Serves again, on the same port and files, after stop(). */
  restart(): Promise<void>;
  /** Stops and removes its files. */
  dispose(): Promise<void>;
}

/** An in-process s3rver on a free loopback port, with one bucket already created. */
export async function startS3Server(bucket = 'backups'): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-s3rver-'));
  const options = { address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket }] };
  let server = new S3rver({ ...options, port: 0 });
  const { port } = await server.run();
  let handlers = trackHandlers(server.httpServer!);
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  const restart = async () => {
    server = new S3rver({ ...options, port });
    await server.run();
    handlers = trackHandlers(server.httpServer!);
    stopped = false;
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    server.httpServer?.closeAllConnections();
    await server.close();
    // A request cut off above may still be writing its object: its files must not be removed under it. One
    // whose body never ended waits on it for good (and writes nothing more): the wait is bounded for those.
    await settledOrAbandoned(handlers, HANDLER_GRACE_MS);
  };
  const settings = (prefix = 'dcs/'): S3Settings => ({
    bucket,
    prefix,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    maxAttempts: 2,
  });
  return {
    endpoint,
    bucket,
    settings,
    store: (prefix) => new S3BlobStore(settings(prefix)),
    env: (prefix = 'dcs/') => ({
      DCS_BLOB_URL: `s3://${bucket}/${prefix}`,
      DCS_S3_ENDPOINT: endpoint,
      DCS_S3_REGION: 'us-east-1',
      DCS_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    }),
    stop,
    restart,
    async dispose() {
      await stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * The request handlers s3rver is running: its handler (Koa's) returns a promise that settles once the
 * request's file work is done, which outlasts the connection when the connection is cut.
 */
function trackHandlers(server: Server): Set<Promise<unknown>> {
  const running = new Set<Promise<unknown>>();
  const listeners = server.listeners('request') as ((...args: unknown[]) => unknown)[];
  server.removeAllListeners('request');
  server.on('request', (...args: unknown[]) => {
    for (const listener of listeners) {
      const result = listener(...args);
      if (result instanceof Promise) {
        running.add(result);
        result.then(
          () => running.delete(result),
          () => running.delete(result),
        );
      }
    }
  });
  return running;
}

/** How long a stop waits for cut-off request handlers that are still running. */
const HANDLER_GRACE_MS = 2_000;

async function settledOrAbandoned(running: Set<Promise<unknown>>, graceMs: number): Promise<void> {
  if (running.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([Promise.allSettled(running), grace]);
  clearTimeout(timer);
}
