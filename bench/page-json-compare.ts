/**
 * Two writers of the same body, timed in alternating rounds of the same run, with the major (old-generation)
 * collections each one caused: the listing writes its own bytes because a large page built as one string
 * landed in V8's old generation, whose collections cost more than the formatting. The service runs with a
 * 4 MB young generation (bin/dcs-backup.js); NODE_OPTIONS=--max-semi-space-size=4 measures as it runs.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const ROUNDS = 5;

/** The young generation's cap this process runs with, as the node flag that set it. */
const youngGeneration =
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].find((arg) =>
    arg.startsWith('--max-semi-space-size'),
  ) ?? "node's default young generation";

interface Tally {
  majorCollections: number;
  collectionMs: number;
}

/** Runs work n times and returns the µs per run and the collections that ran meanwhile. */
async function timed(n: number, work: () => Buffer): Promise<{ micros: number; tally: Tally }> {
  const tally: Tally = { majorCollections: 0, collectionMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      tally.collectionMs += entry.duration;
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) tally.majorCollections++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) bytes += work().length;
  const micros = ((performance.now() - started) * 1000) / n;
  // GC entries are delivered on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 10));
  observer.disconnect();
  if (bytes === 0) throw new Error('the writer wrote nothing');
  return { micros, tally };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Prints both costs (median of the rounds), their ratio and the major collections per 1,000 runs. */
export async function comparePageWriters(
  label: string,
  n: number,
  ours: () => Buffer,
  theirs: () => Buffer,
): Promise<void> {
  for (let i = 0; i < Math.max(1, n / 10); i++) {
    ours();
    theirs();
  }
  const oursRounds: number[] = [];
  const theirsRounds: number[] = [];
  const oursTally: Tally = { majorCollections: 0, collectionMs: 0 };
  const theirsTally: Tally = { majorCollections: 0, collectionMs: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [work, rounds, tally] of [
      [ours, oursRounds, oursTally],
      [theirs, theirsRounds, theirsTally],
    ] as const) {
      const run = await timed(n, work);
      rounds.push(run.micros);
      tally.majorCollections += run.tally.majorCollections;
      tally.collectionMs += run.tally.collectionMs;
    }
  }
  const [a, b] = [median(oursRounds), median(theirsRounds)];
  const perThousand = (tally: Tally) =>
    `${((tally.majorCollections / (n * ROUNDS)) * 1000).toFixed(1)} major, ` +
    `${((tally.collectionMs / (n * ROUNDS)) * 1000).toFixed(0)} ms in all`;
  console.log(
    `${label} JSON: ours ${a.toFixed(1)} µs, JSON.stringify + Buffer.from ${b.toFixed(1)} µs, ` +
      `ratio ${(a / b).toFixed(2)}`,
  );
  console.log(
    `${label} JSON, collections per 1,000 pages: ours ${perThousand(oursTally)}; ` +
      `JSON.stringify ${perThousand(theirsTally)} (${youngGeneration})`,
  );
}
