import { inEachDestination, namedByDestination } from './destination-steps.ts';
import { describeSlotRanges } from '../../core/cluster-topology.ts';
import { createHash } from 'node:crypto';
import { readRdb } from '../rdb/rdb-reader.ts';
import { countTargetKeys, KeyCountMismatch } from './restore-confirm.ts';
import { type Destination, openDestinations, type RoutedTarget, SlotRouter } from './restore-destinations.ts';
import { flushKeys, replaceFunctions } from './restore-flush.ts';
import { loadKeys } from './restore-load.ts';
import { type BackupContent, planRestore } from './restore-plan.ts';
import { readBackupContent, readFunctions } from './restore-preflight.ts';
import { checkTargetPermits } from './target-permits.ts';
import {
  emptyReport,
  RestoreRefused,
  type RestoreOptions,
  type RestoreReport,
  type RestoreSource,
} from './restore-types.ts';
import { DEFAULT_PIPELINE_WINDOW } from './command-pipeline.ts';

export type { RoutedTarget } from './restore-destinations.ts';

export interface RoutedRestoreOptions extends Omit<RestoreOptions, 'target' | 'source' | 'fastPath'> {
  /** The cluster's masters with their slots, or one standalone server (slots null). */
  targets: RoutedTarget[];
  /** The backup's files: one per shard of a cluster backup, or the one file of a server's backup. */
  sources: RestoreSource[];
}

/** What one target server was given. */
export interface DestinationReport {
  address: string;
  /** "0-5460"; null for a standalone server. */
  slots: string | null;
  keys: number;
}

export interface RoutedRestoreReport extends RestoreReport {
  destinations: DestinationReport[];
}

const DEFAULT_CAPTURE_LIMIT = 64 * 1024 * 1024;

/**
 * A restore of several files, or into a cluster, in the phases of restore-engine.ts:
 * - pre-flight, before anything is written: every target server probed (a cluster's masters each on a key of
 *   its own slots), every file read once (its SHA-256 against what was recorded, or its whole structure), the
 *   bytes each master will receive counted by slot, and refused for: anything the single-server plan refuses,
 *   for each file into each server; keys outside database 0 for a cluster; a master whose share of the
 *   source's memory (the source's used-mem, split by the bytes routed to each master) exceeds its maxmemory;
 *   a command a master will not take;
 * - flush: the function libraries into every server first (FUNCTION RESTORE compiles them all before it swaps,
 *   so a refusal leaves every key in place), then FLUSHALL on every server;
 * - load: each file in turn, every key sent to the master serving its slot (CRC16 of the key or its hash tag)
 *   through one pipeline per master, -MOVED and -ASK followed (restore-destinations.ts);
 * - confirm: each server holds the keys it was given.
 * Used for a cluster backup (one file per shard) into a cluster of any number of masters, a server's backup into
 * a cluster, and a cluster backup into one standalone server when the caller asked for that. A failure names
 * the shard it happened on.
 */
export async function restoreRouted(options: RoutedRestoreOptions): Promise<RoutedRestoreReport> {
  const { signal, sources } = options;
  const captureLimit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
  const router = new SlotRouter();
  const destinations = await openDestinations(
    options.targets,
    options.window ?? DEFAULT_PIPELINE_WINDOW,
    options.timeoutMs ?? 60_000,
    router,
  );
  const onAbort = () => destinations.forEach((destination) => destination.connection.close());
  signal?.addEventListener('abort', onAbort);
  try {
    const { contents, functions } = await preflight(options, destinations, router, captureLimit);
    const first = destinations[0]!;
    await options.onStart?.(first.plans[0]!, first.target, mergeContents(contents));
    const report = newReport(destinations, contents);
    const warn = (warning: string) => {
      report.warnings.push(warning);
      options.onWarning?.(warning);
    };

    await inEachDestination(destinations, async (destination) => {
      const from = functions.sourceIndex;
      report.functionLibraries = await replaceFunctions(destination.pipeline, {
        target: destination.target,
        functions: functions.libraries,
        plan: destination.plans[from]!,
      });
    });
    await inEachDestination(destinations, async (destination) => {
      await flushKeys(destination.pipeline);
      await destination.pipeline.drain();
    });

    const total = sources.reduce((sum, source) => sum + source.sizeBytes, 0);
    let base = 0;
    for (const [index, source] of sources.entries()) {
      for (const destination of destinations) destination.plan = destination.plans[index]!;
      await loadKeys(
        source,
        contents[index]!.magic,
        router.destinationFor,
        { ...options, captureLimit, progressBase: base, progressTotal: total },
        report,
      );
      await router.settle();
      base += source.sizeBytes;
    }

    const dropped = destinations.reduce((sum, d) => sum + d.result.droppedFieldExpiries, 0);
    if (dropped > 0) warn(`${dropped} hash field expiry times were not carried over`);
    await inEachDestination(destinations, async (destination) => {
      const held = await countTargetKeys(destination.connection);
      const { keysWritten, keysThatMayVanish } = destination.result;
      if (held < keysWritten - keysThatMayVanish) {
        throw new KeyCountMismatch(
          `${destination.name} holds ${held} keys after the restore, and was given ${keysWritten}`,
        );
      }
      if (held > keysWritten) {
        warn(
          `${destination.name} holds ${held} keys after the restore, and was given ${keysWritten}: something else wrote to it meanwhile`,
        );
      }
    });
    report.destinations = destinations.map((destination) => ({
      address: destination.address,
      slots: destination.slots === null ? null : describeSlotRanges(destination.slots),
      keys: destination.result.keysWritten,
    }));
    return report;
  } catch (error) {
    throw namedByDestination(error, destinations, router.problem);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const destination of destinations) destination.connection.close();
  }
}

/** The pre-flight over every file and server; throws RestoreRefused with every reason found. */
async function preflight(
  options: RoutedRestoreOptions,
  destinations: Destination[],
  router: SlotRouter,
  captureLimit: number,
): Promise<{ contents: BackupContent[]; functions: { libraries: Buffer[]; sourceIndex: number } }> {
  const problems = new Set<string>();
  for (const destination of destinations) {
    const clustered = destination.slots !== null;
    if (clustered && !destination.target.clusterEnabled) {
      problems.add(`${destination.name} does not run in cluster mode`);
    }
  }
  const contents: BackupContent[] = [];
  const routedBytes = destinations.map(() => 0);
  const memoryShare = destinations.map(() => 0);
  for (const source of options.sources) {
    const { content, bytes } = await readAndRoute(source, destinations, router);
    contents.push(content);
    const fileBytes = bytes.reduce((a, b) => a + b, 0);
    for (const [index, sent] of bytes.entries()) {
      routedBytes[index]! += sent;
      // The source's memory split by what each server receives of it: its share of the keys' bytes.
      const used = content.usedMemory ?? fileBytes;
      memoryShare[index]! += fileBytes > 0 ? (used * sent) / fileBytes : 0;
    }
  }
  for (const destination of destinations) {
    destination.plans = contents.map((content) =>
      planRestore({ ...content, usedMemory: null }, destination.target, {
        rewriteHoldBytes: captureLimit,
        routedBySlot: destination.slots !== null,
      }),
    );
    for (const plan of destination.plans) for (const problem of plan.problems) problems.add(problem);
  }
  for (const [index, destination] of destinations.entries()) {
    // The flushed server keeps what it needs when empty; the keys come on top of that.
    const { maxmemory, startupMemory } = destination.target;
    const share = Math.round(memoryShare[index]!);
    if (maxmemory > 0 && startupMemory + share > maxmemory) {
      problems.add(
        `${destination.name} would receive keys that took about ${share} bytes of memory in the source, which with the ${startupMemory} bytes it uses empty is more than its maxmemory of ${maxmemory} bytes`,
      );
    }
  }
  if (problems.size > 0) throw new RestoreRefused([...problems].join('; '));
  for (const destination of destinations) {
    for (const [index, content] of contents.entries()) {
      await checkTargetPermits(
        destination.connection,
        destination.plans[index]!,
        content,
        destination.target,
        destination.probeKey,
      ).catch((error: unknown) => {
        throw error instanceof RestoreRefused
          ? new RestoreRefused(`${destination.name}: ${error.message}`)
          : error;
      });
    }
  }
  // Every node of a cluster holds the same libraries: the first file that has any brings them.
  const sourceIndex = Math.max(
    0,
    contents.findIndex((content) => content.functions > 0),
  );
  const libraries =
    contents[sourceIndex]!.functions > 0 ? await readFunctions(options.sources[sourceIndex]!) : [];
  return { contents, functions: { libraries, sourceIndex } };
}

/**
 * Reads a file once before anything is written: with what was recorded when it was stored, its SHA-256 proves
 * the bytes unchanged while its keys are counted by destination; otherwise its whole structure is read first.
 * Returns what it holds and the bytes (key and value as stored) each destination will receive.
 */
async function readAndRoute(
  source: RestoreSource,
  destinations: Destination[],
  router: SlotRouter,
): Promise<{ content: BackupContent; bytes: number[] }> {
  // One server takes every key: the single-server read says all there is to know.
  if (destinations.length === 1) {
    return { content: await readBackupContent(source), bytes: [source.sizeBytes] };
  }
  const bytes = destinations.map(() => 0);
  const known = source.known?.content.emptyKeys !== undefined ? source.known : undefined;
  const content = known ? known.content : await readBackupContent(source);
  const hash = createHash('sha256');
  const stream = await source.open();
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  }
  const index = new Map(destinations.map((destination, i) => [destination, i]));
  for await (const events of readRdb(hashed(), { captureLimit: 0 })) {
    for (const event of events) {
      if (event.kind !== 'key' || event.record.empty) continue;
      const { record } = event;
      bytes[index.get(router.destinationFor(record))!]! += record.key.length + record.valueLength;
    }
  }
  if (known && hash.digest('hex') !== known.sha256) {
    throw new RestoreRefused('the backup file has changed since it was stored (its SHA-256 differs)');
  }
  return { content, bytes };
}

/** What several files hold together, for the record's start (the plan of the first file into the first server). */
function mergeContents(contents: BackupContent[]): BackupContent {
  const merged: BackupContent = { ...contents[0]!, keysPerDb: {}, keysPerType: {}, typeCodes: [] };
  merged.keysWithExpiry = 0;
  const types = new Set<number>();
  for (const content of contents) {
    for (const [db, n] of Object.entries(content.keysPerDb))
      merged.keysPerDb[db] = (merged.keysPerDb[db] ?? 0) + n;
    for (const [name, n] of Object.entries(content.keysPerType ?? {})) {
      merged.keysPerType![name] = (merged.keysPerType![name] ?? 0) + n;
    }
    for (const type of content.typeCodes) types.add(type);
    merged.keysWithExpiry += content.keysWithExpiry;
  }
  merged.typeCodes = [...types];
  return merged;
}

function newReport(destinations: Destination[], contents: BackupContent[]): RoutedRestoreReport {
  const warnings = new Set(destinations.flatMap((d) => d.plans.flatMap((plan) => plan.warnings)));
  return {
    ...emptyReport(destinations[0]!.target, mergeContents(contents), [...warnings]),
    methodReason:
      'keys go to the master serving their slot; the replication fast path does not apply to routed restores',
    destinations: [],
  };
}
