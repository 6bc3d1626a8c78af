import { createHash } from 'node:crypto';
import { inspectRdb } from '../rdb/rdb-inspector.ts';
import { noChecksumInFormat } from '../rdb/rdb-integrity.ts';
import { readRdb } from '../rdb/rdb-reader.ts';
import type { RespConnection } from '../resp/resp-connection.ts';
import { type BackupContent, planRestore, type RestorePlan } from './restore-plan.ts';
import { RestoreRefused, type RestoreSource } from './restore-types.ts';
import { checkTargetPermits } from './target-permits.ts';
import { probeTarget, type TargetInfo } from './target-probe.ts';

/** Everything the writing phases need, known before anything is written. */
export interface PreparedRestore {
  target: TargetInfo;
  content: BackupContent;
  plan: RestorePlan;
  /** The backup's function libraries (FUNCTION2 records), loaded into the target before its keys are flushed. */
  functions: Buffer[];
}

/**
 * Plan and pre-flight: reads the target and the file, decides how each type goes in, and refuses
 * (RestoreRefused, the target untouched) for every reason that can be seen before writing. The ways a restore
 * can still fail after the flush, and why each cannot be seen here, are listed in restore-engine.ts.
 */
export async function prepareRestore(
  connection: RespConnection,
  source: RestoreSource,
  limits: { captureLimit: number },
): Promise<PreparedRestore> {
  const target = await probeTarget(connection);
  const content = await readBackupContent(source);
  const plan = planRestore(content, target, { rewriteHoldBytes: limits.captureLimit });
  if (plan.problems.length > 0) throw new RestoreRefused(plan.problems.join('; '));
  await checkTargetPermits(connection, plan, content, target);
  const functions = content.functions > 0 ? await readFunctions(source) : [];
  return { target, content, plan, functions };
}

/**
 * Reads the file once before the target is touched. With what was recorded when it was stored, a SHA-256 pass
 * proves the bytes unchanged; otherwise (or when the record predates the count of empty keys) the whole
 * structure is walked and the CRC-64 checked.
 */
export async function readBackupContent(source: RestoreSource): Promise<BackupContent> {
  if (source.known && source.known.content.emptyKeys !== undefined) {
    const hash = createHash('sha256');
    for await (const chunk of (await source.open()) as AsyncIterable<Buffer>) hash.update(chunk);
    if (hash.digest('hex') !== source.known.sha256) {
      throw new RestoreRefused('the backup file has changed since it was stored (its SHA-256 differs)');
    }
    return source.known.content;
  }
  const found = await inspectRdb(await source.open(), { deep: false, sha256: false, captureLimit: 0 });
  const usedMemory = Number(found.aux['used-mem']);
  // RDB 1 to 4 have no checksum in their format (an imported old file): the full read is the check, as Redis's.
  const oldFormat = found.rdbVersion !== null && found.rdbVersion < 5;
  const problem = oldFormat && found.problem === noChecksumInFormat(found.rdbVersion!) ? null : found.problem;
  return { ...found, problem, usedMemory: Number.isFinite(usedMemory) ? usedMemory : null };
}

/** The function libraries at the head of the file: read up to the first key, where the keyspace starts. */
export async function readFunctions(source: RestoreSource): Promise<Buffer[]> {
  const functions: Buffer[] = [];
  const file = await source.open();
  try {
    for await (const events of readRdb(file as AsyncIterable<Buffer>, { captureLimit: 0 })) {
      for (const event of events) {
        if (event.kind === 'function') functions.push(event.code);
        if (event.kind === 'key') return functions;
      }
    }
    return functions;
  } finally {
    file.destroy();
  }
}
