import path from 'node:path';
import { DCS_MAX_SAVE_DAYS, MAX_SAVE_DAYS_LIMIT } from './core/backup-policy.ts';
import type { DatabaseLocation } from './store/open-database.ts';

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
}

export interface JobConfig {
  /** Backups this process runs at once. */
  concurrency: number;
  /** A job whose process stops renewing its claim this long is failed (or taken over). */
  leaseMs: number;
  pollMs: number;
  /** How long a source may send nothing during a transfer before the backup fails as timed out. */
  syncIdleTimeoutMs: number;
  /**
   * The address restore targets use to reach this process (DCS_RESTORE_REPLICATION_HOST): set, a restore first
   * offers the target the backup as its replication master; unset, restores write commands only.
   */
  restoreFastPath?: { advertiseHost: string; bindHost?: string };
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
  };
  const advertiseHost = env.DCS_RESTORE_REPLICATION_HOST;
  if (advertiseHost) {
    jobs.restoreFastPath = {
      advertiseHost,
      ...(env.DCS_RESTORE_REPLICATION_BIND ? { bindHost: env.DCS_RESTORE_REPLICATION_BIND } : {}),
    };
  }
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
  };
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
