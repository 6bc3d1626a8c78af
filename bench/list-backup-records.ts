/**
 * Listing benchmark: loads N backup records over M instances (one of them holding 20,000), then measures the
 * list endpoint with autocannon against a bare node:http server answering a pre-built body of the same size,
 * in the same run. Prints requests/s, p50 and p99 for both and the ratio.
 *
 * Beside requests/s it reports each server's CPU time per request (from /proc), which a busy shared machine
 * blurs far less than wall time. The 1,000-record page runs at 8 connections and reports MB/s of JSON out.
 *
 *   npm run bench:list -- [--engine sqlite|postgres|both] [--records 1000000] [--instances 1000]
 *                         [--connections 32] [--duration 10] [--warmup 2] [--only SUBSTRING]
 *                         [--cpu-prof DIR]   (the service writes a V8 CPU profile there when it stops)
 *                         [--cache-mb N]     (the service's DCS_LISTING_CACHE_MB; 0 measures every request
 *                                             uncached, as a first request is)
 *                         [--index-mb N]     (the service's DCS_LISTING_INDEX_MB: whole listings of instances
 *                                             whose listings keep missing the cache; 0 keeps none)
 *                         [--settle 60]      (at most this many seconds the window scenario waits, after
 *                                             asking every instance twice, for the service to build the
 *                                             instances' listings: until /metrics shows their count still)
 *
 * The instance the offset and 1,000-record scenarios read holds 20,000 records, or half of --records when
 * that is fewer (the offset is then a quarter of its records).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { type BackupRecord, type BackupStatus, backupNameFor } from '../src/core/backup-record.ts';
import type { Instance } from '../src/core/instance.ts';
import { formatCompactUtc } from '../src/core/time-format.ts';
import { randomBytes } from 'node:crypto';
import { credentialsFor, type RequestSpec } from './bench-auth.ts';
import { SecretBox } from '../src/core/auth/secret-box.ts';
import { KyselyMetadataStore } from '../src/store/kysely-metadata-store.ts';
import type { DatabaseLocation } from '../src/store/open-database.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { startServiceProcess } from '../test/support/service-process.ts';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'both' },
    records: { type: 'string', default: '1000000' },
    instances: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'cache-mb': { type: 'string' },
    'index-mb': { type: 'string' },
    settle: { type: 'string', default: '60' },
  },
});
const RECORDS = Number(args.records);
const INSTANCES = Number(args.instances);
const CONNECTIONS = Number(args.connections);
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const BIG_INSTANCE_RECORDS = Math.min(20_000, Math.floor(RECORDS / 2));
const DEEP_OFFSET = Math.min(5_000, Math.floor(BIG_INSTANCE_RECORDS / 4));
const BIG_PAGES = Math.max(1, Math.floor(BIG_INSTANCE_RECORDS / 1000) - 1);
const PROJECT = 'bench';
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 24 * 3600 * 1000;

// A deterministic generator (mulberry32, in 32-bit integer arithmetic), so every run loads the same data set.
// The earlier LCG multiplied past 2^53 in floating point and fell into short cycles, repeating values.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

function makeInstances(): Instance[] {
  return Array.from({ length: INSTANCES }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    projectId: PROJECT,
    name: `bench-${i}`,
    type: 'master_standby' as const,
    endpoint: { host: '127.0.0.1', port: 6379, db: 0, username: null, password: null, tls: false },
    engineVersion: '7.0.15',
    createdAt: YEAR_START,
    topology: null,
  }));
}

const STATUSES: BackupStatus[] = ['succeed', 'succeed', 'succeed', 'succeed', 'failed', 'expired', 'deleted'];

/**
 * The k-th of an instance's `count` records. Automatic records start in their own window (one per instance and
 * window, as the unique index on (instance_id, execution_at) demands), spread evenly over the year; manual ones
 * at a random moment.
 */
function makeRecord(instanceId: string, n: number, k: number, count: number): BackupRecord {
  const automatic = random() < 0.7;
  const windowStart = YEAR_START + k * Math.floor(YEAR_MS / count);
  const createdAt = automatic
    ? windowStart + Math.floor(random() * 600_000)
    : YEAR_START + Math.floor(random() * YEAR_MS);
  const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
  return {
    id: `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${Math.floor(random() * 2 ** 48)
      .toString(16)
      .padStart(12, '0')}`,
    instanceId,
    name: backupNameFor(createdAt),
    type: automatic ? 'auto' : 'manual',
    format: 'rdb',
    status,
    remark: random() < 0.3 ? 'nightly backup before the release' : null,
    period: null,
    errorCode: status === 'failed' ? 'dcs.08.0002' : null,
    sizeBytes: Math.floor(random() * 2 ** 32),
    progressHundredths: 10_000,
    restorable: status === 'succeed',
    createdAt,
    updatedAt: createdAt + 90_000,
    executionAt: automatic ? windowStart : createdAt,
  };
}

async function load(location: DatabaseLocation, instances: Instance[]): Promise<void> {
  const started = Date.now();
  const store = await KyselyMetadataStore.open(location, new SecretBox(randomBytes(32)));
  for (const instance of instances) await store.instances.insert(instance);
  const perSmall = Math.floor((RECORDS - BIG_INSTANCE_RECORDS) / (INSTANCES - 1));
  let n = 0;
  let batch: BackupRecord[] = [];
  const flush = async () => {
    await store.backups.insertMany(batch);
    batch = [];
  };
  for (let i = 0; i < INSTANCES; i++) {
    const count = i === 0 ? BIG_INSTANCE_RECORDS : perSmall;
    for (let k = 0; k < count; k++) {
      batch.push(makeRecord(instances[i]!.id, n++, k, count));
      if (batch.length === 50_000) await flush();
    }
  }
  await flush();
  await store.close();
  if (location.kind === 'postgres') {
    // A bulk load outruns autovacuum; without fresh statistics the planner sorts the whole instance.
    const client = new pg.Client({ connectionString: location.url });
    await client.connect();
    await client.query('VACUUM ANALYZE backups');
    await client.end();
  }
  console.log(
    `loaded ${n} records over ${INSTANCES} instances in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

interface Scenario {
  name: string;
  path: () => string;
  /** Overrides --connections (the 1,000-record page's goal is stated at 8). */
  connections?: number;
  /** Paths requested once, in turn, before the scenario is measured. */
  prime?: string[];
  /** At most this many seconds to wait after priming, for the whole-listing index to stop growing. */
  settle?: number;
}

/**
 * Waits until the service's whole-listing index holds the same number of instances three scrapes in a row
 * (its builds run in the background), at most `seconds`; describes what it holds then.
 */
async function indexSettled(base: string, token: string, seconds: number): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  const read = async () => {
    const text = await (await fetch(`${base}/metrics`, { headers: { 'x-auth-token': token } })).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { instances: gauge('dcs_listing_index_instances'), bytes: gauge('dcs_listing_index_bytes') };
  };
  let last = await read();
  for (let same = 0; same < 3 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await read();
    same = now.instances === last.instances ? same + 1 : 0;
    last = now;
  }
  return ` | index ${last.instances} instances, ${(last.bytes / 2 ** 20).toFixed(0)} MB`;
}

/** A random 30-day window of the instance's year of records. */
function windowPath(instanceId: string): string {
  const begin = YEAR_START + Math.floor(Math.random() * (YEAR_MS - 30 * 86_400_000));
  const window = `begin_time=${formatCompactUtc(begin)}&end_time=${formatCompactUtc(begin + 30 * 86_400_000)}`;
  return `/v2/${PROJECT}/instances/${instanceId}/backups?limit=10&${window}`;
}

function scenarios(instances: Instance[]): Scenario[] {
  const randomInstance = () => instances[1 + Math.floor(Math.random() * (instances.length - 1))]!.id;
  return [
    {
      // The first pass: each instance's first listing is a miss (the query, cold pages), later ones hits.
      name: 'limit 10, random instance',
      path: () => `/v2/${PROJECT}/instances/${randomInstance()}/backups?limit=10`,
    },
    {
      // The same again, with every instance's page cached first: what a listing polled by clients costs.
      name: 'limit 10, random instance, again',
      path: () => `/v2/${PROJECT}/instances/${randomInstance()}/backups?limit=10`,
      prime: instances.slice(1).map((instance) => `/v2/${PROJECT}/instances/${instance.id}/backups?limit=10`),
    },
    {
      name: 'limit 10, random instance, 30-day window',
      // A new window every request, so the response cache always misses: what the whole-listing index is for.
      // Priming asks every instance twice (two misses at one version qualify it), then the service builds.
      path: () => windowPath(randomInstance()),
      prime: instances.slice(1).flatMap((instance) => [windowPath(instance.id), windowPath(instance.id)]),
      settle: Number(args.settle),
    },
    {
      name: `limit 10, offset ${DEEP_OFFSET} of ${BIG_INSTANCE_RECORDS}`,
      path: () => `/v2/${PROJECT}/instances/${instances[0]!.id}/backups?limit=10&offset=${DEEP_OFFSET}`,
    },
    {
      name: `limit 1000, random offset of ${BIG_INSTANCE_RECORDS}`,
      // A random page of the big instance, so no two consecutive requests need the same rows.
      path: () =>
        `/v2/${PROJECT}/instances/${instances[0]!.id}/backups?limit=1000&offset=${1000 * Math.floor(Math.random() * BIG_PAGES)}`,
      connections: Math.min(8, CONNECTIONS),
    },
  ].filter((scenario) => args.only === undefined || scenario.name.includes(args.only));
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  /** Bytes of response received per second. */
  bytesPerSecond: number;
  /** The server process's CPU time (user + system) per request, in microseconds. */
  cpuMicros: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time of a process so far, in microseconds (Linux /proc; 10 ms resolution). */
function cpuMicrosOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is parenthesised and may hold spaces: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_SECOND;
}

async function measure(
  base: string,
  pid: number,
  next: () => RequestSpec,
  connections = CONNECTIONS,
): Promise<Measured> {
  const run = (duration: number) =>
    autocannon({
      url: base,
      connections,
      duration,
      requests: [
        {
          setupRequest: (request) => {
            const spec = next();
            return { ...request, path: spec.path, headers: { ...request.headers, ...spec.headers } };
          },
        },
      ],
    });
  if (WARMUP > 0) await run(WARMUP); // warm-up: JIT, statement caches, page cache
  const cpuBefore = cpuMicrosOf(pid);
  const result = await run(DURATION);
  const cpu = cpuMicrosOf(pid) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors from ${base}`);
  }
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bytesPerSecond: result.throughput.average,
    cpuMicros: cpu / Math.max(1, result.requests.total),
  };
}

const describeRun = (label: string, run: Measured) =>
  `${label} ${run.rps.toFixed(0).padStart(6)} req/s p50 ${run.p50} ms p99 ${run.p99} ms ` +
  `cpu ${run.cpuMicros.toFixed(0)} µs/req`;

/** The service's peak resident memory so far (Linux VmHWM), after every scenario ran against it. */
function peakRssLine(engine: string, pid: number): string {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  const line = `${engine.padEnd(8)} service peak RSS ${(kib / 1024).toFixed(0)} MB`;
  console.log(line);
  return line;
}

async function startBareServer(bodyFile: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [new URL('./bare-server.mjs', import.meta.url).pathname, bodyFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(String(chunk)).url));
  });
  return { url, child };
}

async function benchEngine(engine: 'sqlite' | 'postgres'): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-'));
  const database = engine === 'postgres' ? await createTestDatabase() : undefined;
  const location: DatabaseLocation = database
    ? { kind: 'postgres', url: database.url }
    : { kind: 'sqlite', file: path.join(dataDir, 'metadata.sqlite') };
  const instances = makeInstances();
  console.log(`\n[${engine}]`);
  await load(location, instances);
  const service = await startServiceProcess(
    ['--data-dir', dataDir],
    {
      ...(database ? { DCS_DATABASE_URL: database.url } : {}),
      ...(args['cache-mb'] !== undefined ? { DCS_LISTING_CACHE_MB: args['cache-mb'] } : {}),
      ...(args['index-mb'] !== undefined ? { DCS_LISTING_INDEX_MB: args['index-mb'] } : {}),
    },
    args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [],
  );
  const lines: string[] = [];
  try {
    const { token, signedPool } = await credentialsFor(service.url, dataDir);
    const withToken = (path: () => string) => () => ({ path: path(), headers: { 'x-auth-token': token } });
    for (const scenario of scenarios(instances)) {
      for (const primed of scenario.prime ?? []) {
        const answer = await fetch(service.url + primed, { headers: { 'x-auth-token': token } });
        if (!answer.ok) throw new Error(`${answer.status} from ${primed}`);
        await answer.arrayBuffer();
      }
      const index = scenario.settle ? await indexSettled(service.url, token, scenario.settle) : '';
      const sample = Buffer.from(
        await (
          await fetch(service.url + scenario.path(), { headers: { 'x-auth-token': token } })
        ).arrayBuffer(),
      );
      const bodyFile = path.join(dataDir, 'body.json');
      fs.writeFileSync(bodyFile, sample);
      const bare = await startBareServer(bodyFile);
      const baseline = await measure(
        bare.url,
        bare.child.pid!,
        withToken(scenario.path),
        scenario.connections,
      );
      bare.child.kill('SIGTERM');
      const ours = await measure(service.url, service.pid, withToken(scenario.path), scenario.connections);
      const outRate = sample.length > 100_000 ? ` | ${(ours.bytesPerSecond / 1e6).toFixed(1)} MB/s out` : '';
      const line =
        `${engine.padEnd(8)} ${scenario.name.padEnd(42)} body ${String(sample.length).padStart(6)} B ` +
        `at ${scenario.connections ?? CONNECTIONS} conn | ${describeRun('ours', ours)} | ` +
        `${describeRun('bare', baseline)} | ratio ${(ours.rps / baseline.rps).toFixed(2)}, ` +
        `cpu ratio ${(ours.cpuMicros / Math.max(1, baseline.cpuMicros)).toFixed(2)}${outRate}${index}`;
      console.log(line);
      lines.push(line);
    }
    // The same first scenario with every request signed (SDK-HMAC-SHA256) instead of carrying a token.
    const first = scenarios(instances)[0];
    if (args.only !== undefined || first === undefined) return [...lines, peakRssLine(engine, service.pid)];
    const pool = signedPool(first.path, 2000);
    const tokenRun = await measure(service.url, service.pid, withToken(first.path));
    const signedRun = await measure(
      service.url,
      service.pid,
      () => pool[Math.floor(Math.random() * pool.length)]!,
    );
    const line =
      `${engine.padEnd(8)} ${first.name + ', signed vs token'} | ${describeRun('signed', signedRun)} | ` +
      `${describeRun('token', tokenRun)} | ratio ${(signedRun.rps / tokenRun.rps).toFixed(2)}, ` +
      `cpu ratio ${(signedRun.cpuMicros / Math.max(1, tokenRun.cpuMicros)).toFixed(2)}`;
    console.log(line);
    lines.push(line, peakRssLine(engine, service.pid));
  } finally {
    await service.stop();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return lines;
}

const engines: ('sqlite' | 'postgres')[] =
  args.engine === 'both' ? ['sqlite', 'postgres'] : [args.engine as 'sqlite' | 'postgres'];
console.log(
  `${CONNECTIONS} connections, ${DURATION} s per measurement after a ${WARMUP} s warm-up; node ${process.version}, ${os.cpus().length} cores; ` +
    `listing cache ${args['cache-mb'] ?? 'default'} MB, index ${args['index-mb'] ?? 'default'} MB; load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
);
const summary: string[] = [];
for (const engine of engines) summary.push(...(await benchEngine(engine)));
console.log(`\nsummary\n${summary.join('\n')}`);
