import os from 'node:os';
import path from 'node:path';
import { DCS_MAX_SAVE_DAYS, MAX_SAVE_DAYS_LIMIT } from './core/backup-policy.ts';
import type { DatabaseLocation } from './store/open-database.ts';
import type { S3Settings } from './blobs/s3-blob-store.ts';

/** Everything the service reads from its surroundings, validated once. Nothing else reads process.env. */
export interface ServiceConfig {
  host: string;
  port: number;
  dataDir: string;
  database: DatabaseLocation;
  logLevel: string;
  jobs: JobConfig;
  schedule: ScheduleConfig;
  /** DCS_MASTER_KEY, when set; otherwise a key file in the data dir. */
  masterKey: string | undefined;
  /** On SIGTERM/SIGINT, how long running jobs and requests may go on before they are cancelled and cut off. */
  shutdownGraceMs: number;
  http: HttpConfig;
  /**
   * The URL clients reach the service at (DCS_PUBLIC_URL), without a trailing slash: download links are built
   * from it. Unset, links use the address the service listens on; never the request's Host header.
   */
  publicUrl: string | undefined;
  /** Certificate and key files (PEM) to serve HTTPS directly; unset, the service speaks plain HTTP. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Where backup files go (DCS_BLOB_URL): the data directory's backups/ unless an s3:// bucket is named. */
  blobs: { kind: 'fs' } | { kind: 's3'; s3: S3Settings };
  /** How often this process renews its heartbeat in the node registry (DCS_NODE_HEARTBEAT_MS). */
  nodeHeartbeatMs: number;
  metrics: MetricsConfig;
  /** DCS_LOG_FORMAT: json or pretty; unset, pretty on a terminal and JSON otherwise. */
  logFormat: 'json' | 'pretty' | undefined;
  /** DCS_LISTING_CACHE_MB, in bytes: listing bodies kept for reuse while their instance is unchanged; 0, none. */
  listingCacheBytes: number;
  /** DCS_LISTING_INDEX_MB, in bytes: whole listings of instances whose listings keep missing the cache; 0, none. */
  listingIndexBytes: number;
  /** DCS_MAX_IMPORT_MB: the largest file an upload for import may store, in bytes. */
  maxImportBytes: number;
}

/** Who may read GET /metrics besides an admin credential on the service's port. */
export interface MetricsConfig {
  /** DCS_METRICS_TOKEN: a bearer token (at least 16 characters) that reads /metrics on the service's port. */
  token: string | undefined;
  /** DCS_METRICS_LISTEN ([host:]port): a second, plain HTTP listener serving /metrics without credentials. */
  listen: { host: string; port: number } | undefined;
}

/** Limits that keep slow or idle clients from holding connections (and shutdown) open. */
export interface HttpConfig {
  /** A client must have sent its request headers this long after connecting (or after its last request). */
  headersTimeoutMs: number;
  /** A client must have sent its whole request, body included, this long after it began. */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request, or a connection silent both ways, is closed after this long. */
  idleTimeoutMs: number;
  /** Connections beyond this many open at once are closed as they arrive. */
  maxConnections: number;
}

export interface JobConfig {
  /** Backups this process runs at once. */
  concurrency: number;
  /** A job whose process stops renewing its claim this long is failed (or taken over). */
  leaseMs: number;
  pollMs: number;
  /** How long a source may send nothing during a transfer before the backup fails as timed out. */
  syncIdleTimeoutMs: number;
  /** How long a whole transfer may take, keepalives included, before the backup fails as timed out. */
  syncMaxDurationMs: number;
  /** How many shards of a cluster one backup syncs at once. */
  clusterShardConcurrency: number;
  /**
   * The replication fast path of restores (DCS_RESTORE_FAST_PATH, on by default): a restore first offers the
   * target the backup as its replication master wherever that applies. Targets reach this process at
   * DCS_RESTORE_REPLICATION_HOST, or, unset, at the address they see it connect from; false: commands only.
   */
  restoreFastPath: { advertiseHost?: string; bindHost?: string } | false;
}

export interface ScheduleConfig {
  /** How often the scheduler looks for due windows and expired backups. */
  tickMs: number;
  /** How often storage is reconciled with the records (orphan files, missing files). */
  cleanupIntervalMs: number;
  /** The largest save_days a policy may ask for: DCS's 7 unless the operator allows more. */
  maxSaveDays: number;
}

/** Values from command-line flags; each wins over its environment variable. */
export interface ServiceOverrides {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  blobUrl?: string;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadServiceConfig(env: NodeJS.ProcessEnv, overrides: ServiceOverrides = {}): ServiceConfig {
  const host = overrides.host ?? env.DCS_HOST ?? '127.0.0.1';
  const portText = overrides.port ?? env.DCS_PORT ?? '8080';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535))
    throw new ConfigError(`port must be an integer from 0 to 65535, not "${portText}"`);
  const dataDir = path.resolve(overrides.dataDir ?? env.DCS_DATA_DIR ?? 'dcs-data');
  const logLevel = overrides.logLevel ?? env.DCS_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  const databaseUrl = overrides.databaseUrl ?? env.DCS_DATABASE_URL;
  const jobs: JobConfig = {
    concurrency: positiveInteger(env, 'DCS_JOB_CONCURRENCY', 2),
    leaseMs: positiveInteger(env, 'DCS_JOB_LEASE_MS', 30_000),
    pollMs: positiveInteger(env, 'DCS_JOB_POLL_MS', 1_000),
    syncIdleTimeoutMs: positiveInteger(env, 'DCS_SYNC_IDLE_TIMEOUT_MS', 60_000),
    syncMaxDurationMs: positiveInteger(env, 'DCS_SYNC_MAX_DURATION_MS', 12 * 3_600_000),
    clusterShardConcurrency: positiveInteger(env, 'DCS_CLUSTER_SHARD_CONCURRENCY', 2),
    restoreFastPath: {},
  };
  const fastPathSwitch = env.DCS_RESTORE_FAST_PATH ?? 'on';
  if (!['on', 'off'].includes(fastPathSwitch)) {
    throw new ConfigError(`DCS_RESTORE_FAST_PATH must be on or off, not "${fastPathSwitch}"`);
  }
  jobs.restoreFastPath =
    fastPathSwitch === 'off'
      ? false
      : {
          ...(env.DCS_RESTORE_REPLICATION_HOST ? { advertiseHost: env.DCS_RESTORE_REPLICATION_HOST } : {}),
          ...(env.DCS_RESTORE_REPLICATION_BIND ? { bindHost: env.DCS_RESTORE_REPLICATION_BIND } : {}),
        };
  const schedule: ScheduleConfig = {
    tickMs: positiveInteger(env, 'DCS_SCHEDULER_TICK_MS', 30_000),
    cleanupIntervalMs: positiveInteger(env, 'DCS_CLEANUP_INTERVAL_MS', 3_600_000),
    maxSaveDays: positiveInteger(env, 'DCS_MAX_SAVE_DAYS', DCS_MAX_SAVE_DAYS),
  };
  if (schedule.maxSaveDays > MAX_SAVE_DAYS_LIMIT)
    throw new ConfigError(`DCS_MAX_SAVE_DAYS must be at most ${MAX_SAVE_DAYS_LIMIT}`);
  return {
    host,
    port,
    dataDir,
    database: databaseLocation(databaseUrl, dataDir),
    logLevel,
    jobs,
    schedule,
    masterKey: env.DCS_MASTER_KEY,
    shutdownGraceMs: positiveInteger(env, 'DCS_SHUTDOWN_GRACE_MS', 30_000),
    http: httpConfig(env),
    publicUrl: publicUrl(overrides.publicUrl ?? env.DCS_PUBLIC_URL),
    tls: tlsFiles(overrides.tlsCert ?? env.DCS_TLS_CERT, overrides.tlsKey ?? env.DCS_TLS_KEY),
    blobs: blobLocation(overrides.blobUrl ?? env.DCS_BLOB_URL, env, dataDir),
    nodeHeartbeatMs: positiveInteger(env, 'DCS_NODE_HEARTBEAT_MS', 10_000),
    metrics: metricsConfig(env),
    logFormat: logFormat(env.DCS_LOG_FORMAT),
    listingCacheBytes: megabytes(env, 'DCS_LISTING_CACHE_MB', 32) * 1024 * 1024,
    listingIndexBytes: megabytes(env, 'DCS_LISTING_INDEX_MB', defaultListingIndexMegabytes()) * 1024 * 1024,
    maxImportBytes: positiveInteger(env, 'DCS_MAX_IMPORT_MB', 65_536) * 1024 * 1024,
  };
}

function metricsConfig(env: NodeJS.ProcessEnv): MetricsConfig {
  const token = env.DCS_METRICS_TOKEN || undefined;
  // A token is the only thing between the network and the metrics: a short one could be guessed.
  if (token !== undefined && (token.length < 16 || /\s/.test(token)))
    throw new ConfigError('DCS_METRICS_TOKEN must be at least 16 characters, without spaces');
  const listen = env.DCS_METRICS_LISTEN || undefined;
  if (listen === undefined) return { token, listen: undefined };
  // port, :port, host:port or [v6]:port; without a host, loopback only.
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535))
    throw new ConfigError(`DCS_METRICS_LISTEN must be [host:]port, not "${listen}"`);
  return { token, listen: { host: match[1] ?? (match[2] || '127.0.0.1'), port } };
}

function logFormat(text: string | undefined): ServiceConfig['logFormat'] {
  if (text === undefined || text === '') return undefined;
  if (text !== 'json' && text !== 'pretty') throw new ConfigError('DCS_LOG_FORMAT must be json or pretty');
  return text;
}

/**
 * s3://BUCKET/PREFIX and the DCS_S3_* variables (or the AWS SDK's own AWS_ENDPOINT_URL_S3 and AWS_REGION);
 * credentials are left to the SDK's default chain.
 */
function blobLocation(
  url: string | undefined,
  env: NodeJS.ProcessEnv,
  dataDir: string,
): ServiceConfig['blobs'] {
  if (url === undefined || url === '') return { kind: 'fs' };
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new ConfigError(`the blob URL must be s3://BUCKET or s3://BUCKET/PREFIX, not "${url}"`);
  const rawPrefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9!_.*'()/-]*$/.test(rawPrefix) || rawPrefix.includes('//'))
    throw new ConfigError(`the blob URL's prefix may hold letters, digits, / and -_.!*'() only`);
  const sseText = env.DCS_S3_SSE || undefined;
  if (sseText !== undefined && sseText !== 'AES256' && sseText !== 'aws:kms')
    throw new ConfigError('DCS_S3_SSE must be AES256 or aws:kms');
  if (env.DCS_S3_SSE_KMS_KEY_ID && sseText !== 'aws:kms')
    throw new ConfigError('DCS_S3_SSE_KMS_KEY_ID needs DCS_S3_SSE=aws:kms');
  const pathStyle = env.DCS_S3_FORCE_PATH_STYLE ?? '';
  if (!['', 'true', 'false'].includes(pathStyle))
    throw new ConfigError('DCS_S3_FORCE_PATH_STYLE must be true or false');
  const endpoint = env.DCS_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || undefined;
  const region = env.DCS_S3_REGION || env.AWS_REGION || undefined;
  return {
    kind: 's3',
    s3: {
      bucket: match[1]!,
      prefix: rawPrefix === '' ? '' : `${rawPrefix}/`,
      ...(endpoint ? { endpoint } : {}),
      // An S3-compatible server without regions still needs one for the signature; for AWS the SDK's own
      // chain (profiles) may know it.
      ...(region || endpoint ? { region: region ?? 'us-east-1' } : {}),
      forcePathStyle: pathStyle === 'true',
      // Parts above this many MiB (huge datasets) are spooled to files under the data dir, not held in memory.
      spool: {
        dir: path.join(dataDir, 's3-spool'),
        maxMemoryPartBytes: positiveInteger(env, 'DCS_S3_MAX_MEMORY_PART_MB', 64) * 1024 * 1024,
      },
      ...(sseText
        ? {
            sse: {
              algorithm: sseText,
              ...(env.DCS_S3_SSE_KMS_KEY_ID ? { kmsKeyId: env.DCS_S3_SSE_KMS_KEY_ID } : {}),
            },
          }
        : {}),
    },
  };
}

function httpConfig(env: NodeJS.ProcessEnv): HttpConfig {
  const http: HttpConfig = {
    headersTimeoutMs: positiveInteger(env, 'DCS_HTTP_HEADERS_TIMEOUT_MS', 10_000),
    requestTimeoutMs: positiveInteger(env, 'DCS_HTTP_REQUEST_TIMEOUT_MS', 30_000),
    idleTimeoutMs: positiveInteger(env, 'DCS_HTTP_IDLE_TIMEOUT_MS', 65_000),
    maxConnections: positiveInteger(env, 'DCS_HTTP_MAX_CONNECTIONS', 1024),
  };
  // Node refuses a headers timeout longer than the request timeout: the headers are part of the request.
  if (http.headersTimeoutMs > http.requestTimeoutMs)
    throw new ConfigError('DCS_HTTP_HEADERS_TIMEOUT_MS must not be larger than DCS_HTTP_REQUEST_TIMEOUT_MS');
  return http;
}

function publicUrl(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`the public URL must be an absolute http:// or https:// URL, not "${text}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username)
    throw new ConfigError(`the public URL must be http:// or https:// without query or credentials`);
  return url.href.replace(/\/+$/, '');
}

function tlsFiles(cert: string | undefined, key: string | undefined): ServiceConfig['tls'] {
  if (!cert && !key) return undefined;
  if (!cert || !key)
    throw new ConfigError('HTTPS needs both a certificate and a key (--tls-cert and --tls-key)');
  return { certFile: path.resolve(cert), keyFile: path.resolve(key) };
}

/**
 * The whole-listing index's default budget: a sixteenth of the memory this process may use (its cgroup's limit
 * where one is set, else the machine's), at least 64 MB and at most 1,024 MB. At ~450 bytes per record, 1M
 * records need ~435 MB; a fixed 64 MB kept some 140,000 and left larger deployments' windows on the database.
 * Memory is taken only for instances whose listings keep missing the response cache.
 */
export function defaultListingIndexMegabytes(memoryBytes = memoryAvailable()): number {
  return Math.min(1024, Math.max(64, Math.floor(memoryBytes / 16 / 2 ** 20)));
}

/** The memory this process may use: its cgroup's limit when lower than the machine's memory. */
function memoryAvailable(): number {
  const total = os.totalmem();
  // 0 or undefined when no limit is known; a huge number when the cgroup sets none.
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 && limit < total ? limit : total;
}

/** A memory budget in megabytes, where 0 turns the feature off. */
function megabytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,6}$/.test(text)) throw new ConfigError(`${name} must be a whole number (0: none)`);
  return Number(text);
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0)
    throw new ConfigError(`${name} must be a positive integer`);
  return Number(text);
}

function databaseLocation(url: string | undefined, dataDir: string): DatabaseLocation {
  if (url === undefined || url === '') return { kind: 'sqlite', file: path.join(dataDir, 'metadata.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', file: path.resolve(url.slice('sqlite:'.length)) };
  // The URL may carry a password, so the message does not repeat it.
  throw new ConfigError('database URL must start with postgres://, postgresql:// or sqlite:');
}

/** Where the database lives, for the start-up log line: never the password of a PostgreSQL URL. */
export function describeDatabase(location: DatabaseLocation): string {
  if (location.kind === 'sqlite') return `sqlite ${location.file}`;
  const url = new URL(location.url);
  return `postgres ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
