import { type RdbKeyRecord, readRdb } from '../rdb/rdb-reader.ts';
import { TYPE } from '../rdb/rdb-types.ts';
import { decodeValue } from '../rdb/value-decoder.ts';
import type { CommandPipeline } from './command-pipeline.ts';
import { rewriteKey } from './command-rewrite.ts';
import { encodedOptions, printable, restoreLabel, sendStreamedRestore } from './restore-commands.ts';
import type { RestorePlan } from './restore-plan.ts';
import type { RestoreOptions, RestoreReport, RestoreSource } from './restore-types.ts';
import type { TargetInfo } from './target-probe.ts';

/** What the load wrote into one server, for the confirm phase. */
export interface LoadResult {
  keysWritten: number;
  /** Keys written that the target may drop by itself before it is counted (an expiry, or field expiries). */
  keysThatMayVanish: number;
  droppedFieldExpiries: number;
}

/** A server keys are written into: its pipeline, how this file's keys go into it, and what it was given. */
export interface KeyDestination {
  pipeline: CommandPipeline;
  /** The plan for the file being loaded into this server. */
  plan: RestorePlan;
  target: TargetInfo;
  /** The database the pipeline's connection has selected. */
  db: number;
  result: LoadResult;
}

export function emptyLoadResult(): LoadResult {
  return { keysWritten: 0, keysThatMayVanish: 0, droppedFieldExpiries: 0 };
}

/** How a load reads its file and reports: the restore's options, and where progress counts from. */
export interface LoadOptions extends Pick<RestoreOptions, 'now' | 'signal' | 'onProgress'> {
  captureLimit: number;
  /** Bytes of earlier files, and of all files, when a restore loads several (a cluster backup's shards). */
  progressBase?: number;
  progressTotal?: number;
}

/**
 * Writes every key of the file into the flushed target, in file order, each through the pipeline of the server
 * `destinationOf` names (one server, or the master owning the key's slot): RESTORE with the payload as stored
 * (or relabelled), a key rebuilt with commands where the target does not know its type, a value too large to
 * hold streamed from the file. Keys already expired and keys holding an empty collection are left out, as Redis
 * leaves them out when it loads the file. Function libraries went in with the flush. The caller drains the
 * pipelines.
 */
export async function loadKeys(
  source: RestoreSource,
  magic: 'REDIS' | 'VALKEY' | null,
  destinationOf: (record: RdbKeyRecord) => KeyDestination,
  options: LoadOptions,
  report: RestoreReport,
): Promise<void> {
  const { signal } = options;
  const base = options.progressBase ?? 0;
  const total = options.progressTotal ?? source.sizeBytes;
  const parserOffset = { value: 0 };
  for await (const events of readRdb(countingBytes(await source.open(), parserOffset), {
    captureLimit: options.captureLimit,
  })) {
    if (signal?.aborted) throw new Error('the restore was cancelled');
    for (const event of events) {
      if (event.kind !== 'key') continue;
      const { record } = event;
      if (record.empty) {
        report.keysEmpty++;
        continue;
      }
      const destination = destinationOf(record);
      const { pipeline, plan, target, result } = destination;
      if (record.db !== destination.db) {
        await pipeline.send(['SELECT', record.db], `SELECT ${record.db}`);
        destination.db = record.db;
      }
      if (record.expireAtMs !== null && record.expireAtMs <= options.now()) {
        report.keysExpired++;
        continue;
      }
      result.keysWritten++;
      if (record.expireAtMs !== null || FIELD_EXPIRY_TYPES.has(record.type)) result.keysThatMayVanish++;
      const route = plan.routes.get(record.type)!;
      if (route === 'rewrite') {
        if (!record.value) {
          // The plan refuses such keys up front; this guards a plan made without per-type sizes.
          throw new Error(
            `key "${printable(record.key)}" needs rebuilding with commands and is too large to hold (${record.valueLength} bytes)`,
          );
        }
        const rewrite = rewriteKey(
          record.key,
          decodeValue(record.type, record.value, magic ?? 'REDIS'),
          record.expireAtMs,
          target.rdbVersion,
          options.now(),
        );
        for (const command of rewrite.commands) {
          const wait = pipeline.send(command, `${String(command[0])} of key "${printable(record.key)}"`);
          if (wait) await wait;
        }
        result.droppedFieldExpiries += rewrite.droppedFieldExpiries;
        report.keysRewritten++;
        continue;
      }
      await sendRestore(pipeline, plan, source, magic, record, report);
      if (route === 'relabel') report.keysRelabelled++;
      else report.keysRestored++;
    }
    options.onProgress?.(base + parserOffset.value, total);
  }
}

async function sendRestore(
  pipeline: CommandPipeline,
  plan: RestorePlan,
  source: RestoreSource,
  magic: 'REDIS' | 'VALKEY' | null,
  record: RdbKeyRecord,
  report: RestoreReport,
): Promise<void> {
  if (record.value) {
    const wait = pipeline.sendRestore(
      record.key,
      record.expireAtMs ?? 0,
      record.type,
      record.value,
      plan.footerVersion,
      encodedOptions(record),
      record,
    );
    if (wait) await wait;
    return;
  }
  await sendStreamedRestore(pipeline, source, record, plan.footerVersion, restoreLabel(record, magic));
  report.keysStreamed++;
}

/** Hashes whose fields expire: a target may drop the whole key when every field has expired. */
export const FIELD_EXPIRY_TYPES = new Set<number>([
  TYPE.HASH_METADATA,
  TYPE.HASH_METADATA_PRE_GA,
  TYPE.HASH_LISTPACK_EX,
  TYPE.HASH_LISTPACK_EX_PRE_GA,
]);

/** Passes chunks through, counting the bytes that went by. */
async function* countingBytes(
  stream: AsyncIterable<Buffer>,
  counter: { value: number },
): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    counter.value += chunk.length;
    yield chunk;
  }
}
