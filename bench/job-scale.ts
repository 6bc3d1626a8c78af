/**
 * The job system at scale: N attached instances of small datasets, one automatic-backup policy on each whose
 * window is the current hour, run by the real service (the built binary) until every backup is `succeed`.
 * Reports the time to the last success, whether it fell inside the window, backups/minute per process,
 * failures, each process's peak RSS, and the listing's p50/p99 while the backups run against the same listing
 * on the same service idle afterwards (the baseline, same records, same run).
 *
 * The window opens when the processes start: the instances are attached and their policies set while the
 * scheduler does not tick (a one-day tick after its start-up tick), then the service is restarted with its
 * ordinary tick, and its start-up tick finds all N due at once, as at the start of a shared window.
 *
 * The N instances are backed by --servers real redis-servers (instance i on server i mod servers), each holding
 * --keys keys of 100 bytes; several instances may name one server. The servers run with
 * repl-diskless-sync-delay 0 (Redis 7.0 waits 5 s by default for more replicas to share one transfer).
 *
 *   npm run bench:scale -- [--engine sqlite|postgres] [--instances 1000] [--servers 50] [--keys 1000]
 *                          [--processes 1] [--listers 4] [--list-rate 50] [--idle-seconds 10] [--concurrency N]
 *                          [--min-window-minutes 5]
 * --processes above 1 needs --engine postgres (several processes share one PostgreSQL, each its own disk).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { HOUR_MS, windowLabel } from '../src/core/backup-policy.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { type RedisServer, startRedisServer } from '../test/support/redis-server.ts';
import { type ServiceProcess, startServiceProcess } from '../test/support/service-process.ts';
import { credentialsFor } from './bench-auth.ts';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1000' },
    servers: { type: 'string', default: '50' },
    keys: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '1' },
    listers: { type: 'string', default: '4' },
    'list-rate': { type: 'string', default: '50' },
    'idle-seconds': { type: 'string', default: '10' },
    concurrency: { type: 'string' },
    'min-window-minutes': { type: 'string', default: '5' },
    'timeout-minutes': { type: 'string', default: '30' },
  },
});
const ENGINE = args.engine;
if (ENGINE !== 'sqlite' && ENGINE !== 'postgres') throw new Error('--engine must be sqlite or postgres');
const INSTANCES = Number(args.instances);
const SERVERS = Math.min(Number(args.servers), INSTANCES);
const KEYS = Number(args.keys);
const PROCESSES = Number(args.processes);
if (PROCESSES > 1 && ENGINE !== 'postgres') throw new Error('--processes above 1 needs --engine postgres');
const LISTERS = Number(args.listers);
const LIST_RATE = Number(args['list-rate']);
const IDLE_SECONDS = Number(args['idle-seconds']);
const MIN_WINDOW_MS = Number(args['min-window-minutes']) * 60_000;
const TIMEOUT_MS = Number(args['timeout-minutes']) * 60_000;
const PROJECT = 'bench';
const run = promisify(execFile);

async function startServers(): Promise<RedisServer[]> {
  const servers: RedisServer[] = [];
  for (let i = 0; i < SERVERS; i++) {
    const server = await startRedisServer([
      ...['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'local'],
    ]);
    servers.push(server);
    await run('redis-cli', ['-p', String(server.port), 'DEBUG', 'POPULATE', String(KEYS), 'key', '100']);
  }
  return servers;
}

/** Reads the backup records' progress straight from the database the service writes. */
interface Progress {
  counts(): Promise<Record<string, number>>;
  /** First record created, last success written (service clock), and jobs run per worker. */
  spans(): Promise<{ firstCreated: number; lastSucceeded: number; perOwner: number[] }>;
  close(): Promise<void>;
}

function sqliteProgress(file: string): Progress {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    counts: async () =>
      Object.fromEntries(
        (
          db.prepare('SELECT status, COUNT(*) AS n FROM backups GROUP BY status').all() as {
            status: string;
            n: number;
          }[]
        ).map((row) => [row.status, row.n]),
      ),
    spans: async () => ({
      ...(db
        .prepare(
          "SELECT MIN(created_at) AS firstCreated, MAX(CASE WHEN status = 'succeed' THEN updated_at END) AS lastSucceeded FROM backups",
        )
        .get() as { firstCreated: number; lastSucceeded: number }),
      perOwner: (
        db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'backup' GROUP BY owner").all() as {
          n: number;
        }[]
      ).map((row) => row.n),
    }),
    close: async () => void db.close(),
  };
}

async function postgresProgress(url: string): Promise<Progress> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    counts: async () =>
      Object.fromEntries(
        (await client.query('SELECT status, COUNT(*)::int AS n FROM backups GROUP BY status')).rows.map(
          (row: { status: string; n: number }) => [row.status, row.n],
        ),
      ),
    spans: async () => {
      const span = (
        await client.query(
          `SELECT MIN(created_at)::float8 AS first, MAX(CASE WHEN status = 'succeed' THEN updated_at END)::float8 AS last FROM backups`,
        )
      ).rows[0] as { first: number; last: number };
      const owners = await client.query(
        "SELECT COUNT(*)::int AS n FROM jobs WHERE kind = 'backup' GROUP BY owner",
      );
      return {
        firstCreated: span.first,
        lastSucceeded: span.last,
        perOwner: owners.rows.map((row: { n: number }) => row.n),
      };
    },
    close: () => client.end(),
  };
}

/** Runs `parallel` workers over the items, each calling work for the next item. */
async function eachLimited<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function call(url: string, init: RequestInit, expected: number): Promise<unknown> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== expected)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

interface ListingFigures {
  p50: number;
  p99: number;
  max: number;
  requests: number;
}

interface Listing {
  stop(): Promise<ListingFigures>;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/**
 * LISTERS clients listing the first page of a random instance, LIST_RATE requests/s between them, until
 * stopped. Each request's latency counts from when it was due, not when it was sent: a stalled service then
 * shows in the figures as long as it stalled, instead of as the few requests that happened to be waiting.
 */
function startListing(base: string, token: string, instanceIds: string[]): Listing {
  const intervalMs = (LISTERS * 1000) / LIST_RATE;
  const latencies: number[] = [];
  let stopped = false;
  const client = async (offset: number) => {
    let due = performance.now() + offset;
    while (!stopped) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const id = instanceIds[Math.floor(Math.random() * instanceIds.length)]!;
      const response = await fetch(`${base}/v2/${PROJECT}/instances/${id}/backups?limit=10`, {
        headers: { 'x-auth-token': token },
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`listing answered ${response.status}`);
      latencies.push(performance.now() - due);
      due += intervalMs;
    }
  };
  const clients = Array.from({ length: LISTERS }, (_, i) => client((i * intervalMs) / LISTERS));
  return {
    async stop() {
      stopped = true;
      await Promise.all(clients);
      const sorted = [...latencies].sort((a, b) => a - b);
      const ms = (v: number) => Number(v.toFixed(1));
      return {
        p50: ms(percentile(sorted, 50)),
        p99: ms(percentile(sorted, 99)),
        max: ms(sorted.at(-1) ?? 0),
        requests: sorted.length,
      };
    },
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process so far, in milliseconds (Linux /proc; 10 ms resolution). */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

const hhmmss = (ms: number) => new Date(ms).toISOString().slice(11, 19);

const load = os
  .loadavg()
  .map((n) => n.toFixed(2))
  .join(' ');
console.log(
  `${ENGINE}: ${INSTANCES} instances on ${SERVERS} redis-servers (${KEYS} keys of 100 B each), ${PROCESSES} process(es), ` +
    `job concurrency ${args.concurrency ?? 'default'}; node ${process.version}, ${os.cpus().length} cores, load ${load}`,
);
const servers = await startServers();
const database = ENGINE === 'postgres' ? await createTestDatabase() : undefined;
const dataDirs = Array.from({ length: PROCESSES }, () =>
  fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-scale-')),
);
const env: NodeJS.ProcessEnv = {
  DCS_MASTER_KEY: randomBytes(32).toString('hex'),
  ...(database ? { DCS_DATABASE_URL: database.url } : {}),
  ...(args.concurrency ? { DCS_JOB_CONCURRENCY: args.concurrency } : {}),
};
const running: ServiceProcess[] = [];
let progress: Progress | undefined;
try {
  // Set-up: attach and set the policies while the scheduler stays idle after its start-up tick.
  const setup = await startServiceProcess(['--data-dir', dataDirs[0]!], {
    ...env,
    DCS_SCHEDULER_TICK_MS: String(24 * HOUR_MS),
  });
  running.push(setup);
  const { token } = await credentialsFor(setup.url, dataDirs[0]!);
  const json = { 'x-auth-token': token, 'content-type': 'application/json' };
  const instanceIds: string[] = [];
  const started = Date.now();
  await eachLimited(
    Array.from({ length: INSTANCES }, (_, i) => i),
    8,
    async (i) => {
      const port = servers[i % SERVERS]!.port;
      const body = JSON.stringify({
        project_id: PROJECT,
        name: `scale-${i}`,
        url: `redis://127.0.0.1:${port}`,
      });
      const attached = (await call(
        `${setup.url}/admin/v1/instances`,
        { method: 'POST', headers: json, body },
        201,
      )) as { instance_id: string };
      instanceIds.push(attached.instance_id);
    },
  );
  let now = Date.now();
  if (HOUR_MS - (now % HOUR_MS) < MIN_WINDOW_MS) {
    const wait = HOUR_MS - (now % HOUR_MS) + 1_000;
    console.log(
      `the current window closes within ${args['min-window-minutes']} min: waiting ${(wait / 1000).toFixed(0)} s for the next`,
    );
    await sleep(wait);
    now = Date.now();
  }
  const windowStart = now - (now % HOUR_MS);
  const windowEnd = windowStart + HOUR_MS;
  const policy = JSON.stringify({
    instance_backup_policy: {
      backup_type: 'auto',
      save_days: 7,
      periodical_backup_plan: {
        backup_at: [1, 2, 3, 4, 5, 6, 7],
        period_type: 'weekly',
        begin_at: windowLabel(new Date(now).getUTCHours()),
      },
    },
  });
  await eachLimited(instanceIds, 8, async (id) => {
    await call(
      `${setup.url}/v2/${PROJECT}/instances/${id}`,
      { method: 'PUT', headers: json, body: policy },
      204,
    );
  });
  console.log(
    `attached ${INSTANCES} instances and set their policies (window ${windowLabel(new Date(now).getUTCHours())} UTC) ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await setup.stop();
  running.length = 0;

  progress =
    ENGINE === 'postgres'
      ? await postgresProgress(database!.url)
      : sqliteProgress(path.join(dataDirs[0]!, 'metadata.sqlite'));
  if (Object.keys(await progress.counts()).length !== 0)
    throw new Error('a backup ran before the window opened');

  // The window opens: every process starts with its ordinary tick; the first tick finds all N due.
  const opened = Date.now();
  for (const dir of dataDirs) running.push(await startServiceProcess(['--data-dir', dir], env));
  const service = running[0]!;
  const listing = startListing(service.url, token, instanceIds);
  let counts: Record<string, number> = {};
  for (;;) {
    counts = await progress.counts();
    const ended = (counts.succeed ?? 0) + (counts.failed ?? 0);
    if (ended >= INSTANCES) break;
    if (Date.now() - opened > TIMEOUT_MS) throw new Error(`timed out: ${JSON.stringify(counts)}`);
    await sleep(100);
  }
  const allEnded = Date.now();
  const cpuMs = running.reduce((sum, p) => sum + cpuMsOf(p.pid), 0);
  const busy = await listing.stop();
  const { firstCreated, lastSucceeded, perOwner } = await progress.spans();
  const succeeded = counts.succeed ?? 0;
  const failed = counts.failed ?? 0;
  const seconds = (allEnded - opened) / 1000;
  // From the tick that queued them (the first record) to the last success, both on the service's clock.
  const runSeconds = (lastSucceeded - firstCreated) / 1000;
  const perMinute = (succeeded / runSeconds) * 60;
  console.log(
    `${ENGINE}, ${INSTANCES} instances due in one window: ${succeeded} succeed, ${failed} failed, ` +
      `all ended ${runSeconds.toFixed(1)} s after the tick that queued them (${seconds.toFixed(1)} s after the ` +
      `processes were started; first record ${hhmmss(firstCreated)}, ` +
      `last success ${hhmmss(lastSucceeded)} UTC, window ends ${hhmmss(windowEnd)}: ` +
      `${lastSucceeded <= windowEnd && failed === 0 ? 'all inside the window' : 'NOT all inside the window'}) | ` +
      `${perMinute.toFixed(0)} backups/minute, ${(perMinute / PROCESSES).toFixed(0)} per process ` +
      `(jobs per process: ${perOwner.join(', ')}); service CPU ${(cpuMs / succeeded).toFixed(1)} ms per backup ` +
      `(start-up and listing included)`,
  );

  // The baseline: the same listing on the same processes, idle, holding the same records.
  const idleListing = startListing(service.url, token, instanceIds);
  await sleep(IDLE_SECONDS * 1000);
  const idle = await idleListing.stop();
  console.log(
    `${ENGINE}, listing (limit 10, ${LISTERS} connections, ${LIST_RATE} req/s) during the backups: p50 ${busy.p50} ms p99 ${busy.p99} ms max ${busy.max} ms ` +
      `${busy.requests} requests | idle baseline: p50 ${idle.p50} ms p99 ${idle.p99} ms max ${idle.max} ms ${idle.requests} requests | ` +
      `p50 ratio (busy/idle) ${(busy.p50 / Math.max(idle.p50, 0.1)).toFixed(2)}, ` +
      `p99 ratio (busy/idle) ${(busy.p99 / Math.max(idle.p99, 0.1)).toFixed(2)}`,
  );
  console.log(
    `${ENGINE}, peak RSS per process: ${running.map((p) => `${peakRssMb(p.pid).toFixed(0)} MB`).join(', ')}`,
  );
  if (failed > 0) process.exitCode = 1;
} finally {
  await progress?.close();
  for (const service of running) await service.stop();
  for (const server of servers) await server.stop();
  await database?.drop();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
}
