/**
 * Every benchmark, run for a few seconds with small parameters: it must finish and print its ratios. Nothing
 * here judges a speed (that is what the benchmarks themselves report); it keeps a benchmark from breaking on
 * main unnoticed, as bench:list once did when a unique index rejected its seeder's records.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { POSTGRES_SKIP } from '../support/postgres.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  output: string;
}

function runBench(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `bench/${script}`, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A ratio printed as a number, so a benchmark that printed "ratio NaN" or nothing is caught. */
const RATIO = /ratio[^0-9\n]*([0-9]+\.[0-9]+)/g;

function assertCompleted(run: Run, expectedRatios: number): void {
  assert.equal(run.code, 0, `the benchmark exited with ${run.code}:\n${run.output}`);
  const ratios = [...run.output.matchAll(RATIO)].map((match) => Number(match[1]));
  assert.ok(
    ratios.length >= expectedRatios && ratios.every((ratio) => Number.isFinite(ratio) && ratio > 0),
    `expected at least ${expectedRatios} finite ratios in:\n${run.output}`,
  );
}

describe('benchmarks complete with small parameters', { concurrency: false, timeout: 240_000 }, () => {
  it('bench:list (SQLite and PostgreSQL, every scenario)', async () => {
    const run = await runBench('list-backup-records.ts', [
      ...['--engine', POSTGRES_SKIP ? 'sqlite' : 'both', '--records', '21000', '--instances', '5'],
      ...['--connections', '2', '--duration', '1', '--warmup', '0', '--settle', '1'],
    ]);
    // Five scenarios per engine, printed as they run and again in the summary.
    assertCompleted(run, POSTGRES_SKIP ? 10 : 20);
    if (!POSTGRES_SKIP) assert.match(run.output, /\[postgres\]/);
  });

  it('bench:list --cache-mb 0 with fewer records than the big instance holds by default', async () => {
    const run = await runBench('list-backup-records.ts', [
      ...['--engine', 'sqlite', '--records', '4000', '--instances', '4', '--cache-mb', '0'],
      ...['--index-mb', '0', '--connections', '2', '--duration', '1', '--warmup', '0', '--settle', '0'],
    ]);
    assertCompleted(run, 10);
    assert.match(run.output, /listing cache 0 MB, index 0 MB/);
    assert.match(run.output, /limit 10, offset 500 of 2000 /);
  });

  // With --format aof each round takes an RDB and an AOF backup: one run covers both paths.
  it('bench:backup --format aof', async () => {
    const run = await runBench('backup.ts', ['--sizes', '2', '--rounds', '1', '--format', 'aof']);
    assertCompleted(run, 1);
    assert.match(run.output, /service peak RSS \d+ MB/);
    assert.match(run.output, /aof median \d+\.\d+ s \(AOF \d+ MB\), ratio aof\/rdb \d+\.\d+/);
  });

  it('bench:aof-load', async () => {
    const run = await runBench('aof-load.ts', ['--size', '2', '--rounds', '1']);
    assertCompleted(run, 1);
  });

  it('bench:restore', async () => {
    const run = await runBench('restore.ts', ['--size', '2', '--rounds', '1']);
    assertCompleted(run, 4);
    // The fast path against its own baseline: a redis-server loading the same file at start-up.
    assert.match(run.output, /replication fast path .* rate ratio to the local load [0-9]+\.[0-9]+/);
    assert.match(run.output, /local load \(redis-server started on the file\) median [0-9.]+ s/);
  });

  it('bench:backup --blob both (local store and an s3rver bucket)', async () => {
    const run = await runBench('backup.ts', ['--sizes', '2', '--rounds', '1', '--blob', 'both']);
    // ours/redis-cli for each store (s3/local is checked below: RATIO cannot pass its digit).
    assertCompleted(run, 2);
    assert.match(run.output, /s3 store, dataset .* service peak RSS \d+ MB/);
    assert.match(run.output, /ratio s3\/local [0-9]+\.[0-9]+/);
  });

  it('bench:restore --blob s3', async () => {
    const run = await runBench('restore.ts', ['--size', '2', '--rounds', '1', '--blob', 's3']);
    // The local store's four ratios (RATIO skips "s3/local", whose digit it cannot pass), then s3/local.
    assertCompleted(run, 4);
    assert.match(run.output, /ours from S3 \(s3rver\) median .* ratio s3\/local [0-9]+\.[0-9]+/);
  });

  it('bench:scheduler (SQLite and PostgreSQL)', async () => {
    for (const engine of POSTGRES_SKIP ? ['sqlite'] : ['sqlite', 'postgres']) {
      const run = await runBench('scheduler.ts', [
        ...['--engine', engine, '--policies', '100', '--ticks', '5', '--due', '5'],
      ]);
      // None due against no policies, then 5 due against as many manual backups queued.
      assertCompleted(run, 2);
      assert.match(run.output, /5 instances due in one window: .* ratio \(tick \/ baseline\): [0-9.]+/);
    }
  });

  it('backup-walk (the structure walk beside the CRC-64 and SHA-256 of a transfer)', async () => {
    const run = await runBench('backup-walk.ts', ['--mb', '2', '--rounds', '1']);
    assertCompleted(run, 1);
    assert.match(run.output, /ratio walked\/plain [0-9.]+/);
  });

  it('bench:scale (instances due in one window, run by the service to the last success)', async () => {
    for (const engine of POSTGRES_SKIP ? ['sqlite'] : ['sqlite', 'postgres']) {
      const run = await runBench('job-scale.ts', [
        ...['--engine', engine, '--instances', '5', '--servers', '2', '--keys', '100'],
        // At most a half-minute wait when the current hour's window is about to close.
        ...['--idle-seconds', '1', '--list-rate', '20', '--min-window-minutes', '0.5'],
      ]);
      // The listing's p50 and p99 while the backups ran, each against the same service idle.
      assertCompleted(run, 2);
      assert.match(
        run.output,
        /5 instances due in one window: 5 succeed, 0 failed, .* all inside the window/,
      );
      assert.match(run.output, /[0-9]+ backups\/minute, [0-9]+ per process/);
      assert.match(run.output, /peak RSS per process: \d+ MB/);
    }
  });

  it('bench:micro', async () => {
    const run = await runBench('micro.ts', [
      ...['--mib', '4', '--auth-runs', '200', '--page-runs', '200'],
      ...['--cache-churn', '2000', '--cache-runs', '2000', '--json-runs', '200'],
    ]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /listing cache hit after churn \/ alone: [0-9.]+/);
    for (const page of ['10-record page', '1,000-record page']) {
      assert.match(run.output, new RegExp(`${page} JSON: ours [0-9.]+ µs, .* ratio [0-9.]+`), run.output);
      assert.match(run.output, new RegExp(`${page} JSON, collections per 1,000 pages: ours [0-9.]+ major`));
    }
    for (const label of ['CRC-64', 'SHA-256', 'authenticate, signed', 'authenticate, token', '10-row page']) {
      assert.match(run.output, new RegExp(`${label}[^:]*: [0-9.]+ (MB/s|µs)`), `${label} in:\n${run.output}`);
    }
  });

  it('bench:backup --cluster 3 (a local 3-master cluster, redis-cli --rdb per shard as the baseline)', async () => {
    const run = await runBench('backup.ts', ['--cluster', '3', '--size', '2', '--rounds', '1']);
    // ours against redis-cli one shard after another, and against all shards in parallel.
    assertCompleted(run, 2);
    assert.match(run.output, /service peak RSS \d+ MB \(goal <= \d+ MB/);
  });

  it('bench:restore --cluster 3 (into a 3-master cluster, redis-cli --pipe per owning master as the baseline)', async () => {
    const run = await runBench('restore.ts', ['--cluster', '3', '--size', '2', '--rounds', '1']);
    assertCompleted(run, 1);
    assert.match(run.output, /keys, RDB \d+ MB over 3 shards into 3 masters/);
  });
});
