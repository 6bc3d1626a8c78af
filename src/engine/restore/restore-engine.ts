import { authenticate } from '../resp/authenticate.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { CommandPipeline, DEFAULT_PIPELINE_WINDOW } from './command-pipeline.ts';
import { fastPathMisfit } from './fast-path-fit.ts';
import { type FastPathResult, restoreByReplication } from './replication-fast-path.ts';
import { restoreLabel } from './restore-commands.ts';
import { confirmKeyCount, expectedFromContent, KeyCountMismatch } from './restore-confirm.ts';
import { flushTarget, replaceFunctions } from './restore-flush.ts';
import { emptyLoadResult, type KeyDestination, loadKeys } from './restore-load.ts';
import { type PreparedRestore, prepareRestore } from './restore-preflight.ts';
import {
  emptyReport,
  type FastPathSetting,
  type RestoreOptions,
  type RestoreReport,
} from './restore-types.ts';
import type { RdbKeyRecord } from '../rdb/rdb-reader.ts';

export {
  RestoreRefused,
  type RestoreOptions,
  type RestoreReport,
  type RestoreSource,
} from './restore-types.ts';

const DEFAULT_CAPTURE_LIMIT = 64 * 1024 * 1024;

/**
 * Replaces the target's data with the backup's, as DCS restore does, in five phases:
 * 1. plan and 2. pre-flight (restore-preflight.ts): read the target and the file, decide how each type goes in,
 *    and refuse, with the target untouched, for every reason that can be seen before writing;
 * 3. flush (restore-flush.ts): the function libraries (atomically, so a library the target refuses fails here
 *    while every key is still there), then FLUSHALL;
 * 4. load (restore-load.ts): every key through a bounded pipeline; or, where it applies, the target loads the
 *    file itself as a replica of this process (replication-fast-path.ts), which flushes and loads in one step;
 * 5. confirm (restore-confirm.ts): the target holds the keys it was given.
 *
 * The rule: nothing the pre-flight reads as loadable fails after the flush for a reason it could have seen.
 * Seen before writing: the file's structure and checksum (or its SHA-256 against what was recorded), empty
 * collections (skipped, as Redis skips them on load) and what Redis refuses to load (empty intsets or zipmaps,
 * NaN scores, empty stream nodes, zero-byte list nodes), type codes the target does not know (relabelled or
 * rebuilt; unknown ones and module data refused), values too large to rebuild or above proto-max-bulk-len,
 * functions on a target without them, cluster mode, databases (CONFIG and a real SELECT of each), the source's
 * memory against maxmemory, and every command the restore will send (queued in a discarded MULTI: renamed
 * away, ACL). What can still fail after the flush, and why it cannot be seen before writing:
 * - the target's memory: used-mem of the source is an estimate of what the keys take in the target (its
 *   encodings, allocator and eviction policy differ); eviction or OOM shows in the load or the confirm;
 * - the target or the network failing, or someone else writing or flushing meanwhile;
 * - the backup file read again during the load (another process deleting it, the storage failing);
 * - a value Redis's own deep checks refuse although its file's checksum holds (duplicate members, a packed
 *   value whose inside is corrupt): a file written by Redis has none, and finding them means decoding and
 *   holding every value (verify does, with a deep read);
 * - with the fast path, the target's own loader: used only where the target's RDB version and family cover
 *   the file's; what the target holds afterwards is confirmed and, on a mismatch, written again with commands.
 *   A value only Redis's deep checks refuse (above) makes a loading Redis stop altogether, as any corrupt RDB
 *   file does.
 */
export async function restoreRdb(options: RestoreOptions): Promise<RestoreReport> {
  const { signal } = options;
  const captureLimit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
  let connection = await connect(options);
  const onAbort = () => connection.close();
  signal?.addEventListener('abort', onAbort);
  try {
    const prepared = await prepareRestore(connection, options.source, { captureLimit });
    await options.onStart?.(prepared.plan, prepared.target, prepared.content);
    const report = emptyReport(prepared.target, prepared.content, [...prepared.plan.warnings]);
    const warn = (warning: string) => {
      report.warnings.push(warning);
      options.onWarning?.(warning);
    };

    const { fastPath } = options;
    const misfit = fastPath ? fastPathMisfit(prepared, options.target) : null;
    if (!fastPath) report.methodReason = 'the replication fast path is turned off';
    else if (misfit) report.methodReason = `the replication fast path does not apply: ${misfit}`;
    else {
      // The libraries first, on their own, as the command path does: the fast path flushes before the target
      // loads, and a fallback after that flush would meet a library the target refuses with the keys gone.
      // FUNCTION RESTORE … FLUSH fails atomically here instead, while the target still holds everything.
      const libraries = new CommandPipeline(
        connection,
        options.window ?? DEFAULT_PIPELINE_WINDOW,
        () => 'FUNCTION RESTORE',
      );
      await replaceFunctions(libraries, prepared);
      if (await loadByReplication(options, fastPath, prepared, report, warn)) return report;
      // The fast path may have taken longer than this connection may stay idle: the writer gets a fresh one.
      connection.close();
      connection = await connect(options);
    }

    const pipeline = new CommandPipeline(connection, options.window ?? DEFAULT_PIPELINE_WINDOW, (label) =>
      restoreLabel(label as RdbKeyRecord, prepared.content.magic),
    );
    report.functionLibraries = await flushTarget(pipeline, prepared);
    const destination: KeyDestination = {
      pipeline,
      plan: prepared.plan,
      target: prepared.target,
      db: 0,
      result: emptyLoadResult(),
    };
    await loadKeys(
      options.source,
      prepared.content.magic,
      () => destination,
      { ...options, captureLimit },
      report,
    );
    await pipeline.drain();
    const loaded = destination.result;
    if (loaded.droppedFieldExpiries > 0) {
      warn(`${loaded.droppedFieldExpiries} hash field expiry times were not carried over`);
    }
    const extra = await confirmKeyCount(
      connection,
      { keys: loaded.keysWritten, mayVanish: loaded.keysThatMayVanish },
      'the restore',
    );
    if (extra) warn(extra);
    return report;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    connection.close();
  }
}

/**
 * The fast path, confirmed: true when the target loaded the backup and holds its keys. Otherwise the reason is
 * recorded as a warning and the caller writes the keys with commands.
 */
async function loadByReplication(
  options: RestoreOptions,
  fastPath: FastPathSetting,
  prepared: PreparedRestore,
  report: RestoreReport,
  warn: (warning: string) => void,
): Promise<boolean> {
  const { source, signal } = options;
  const expected = expectedFromContent(prepared.content);
  let taken: FastPathResult;
  try {
    taken = await restoreByReplication({
      target: options.target,
      source,
      ...fastPath,
      // The whole transfer and load: the answer timeout plus a generous 10 MB/s for the file.
      timeoutMs: (options.timeoutMs ?? 60_000) + source.sizeBytes / 10_000,
      ...(signal ? { signal } : {}),
    });
    const admin = await connect(options);
    try {
      const extra = await confirmKeyCount(admin, expected, 'loading');
      if (extra) throw new KeyCountMismatch(extra);
    } finally {
      admin.close();
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    const fallback = `the replication fast path was not used (${(error as Error).message}); keys were written with commands`;
    warn(fallback);
    report.methodReason = fallback;
    return false;
  }
  options.onProgress?.(source.sizeBytes, source.sizeBytes);
  report.method = 'replication';
  report.methodReason =
    `the replication fast path: the target loaded the file as a replica of this service (${taken.advertised})` +
    (taken.disklessLoad ? ', straight from the connection' : '');
  report.keysRestored = expected.keys;
  report.keysEmpty = prepared.content.emptyKeys ?? 0;
  report.functionLibraries = prepared.content.functions;
  return true;
}

async function connect(options: RestoreOptions): Promise<RespConnection> {
  const connection = await RespConnection.open(options.target, options.timeoutMs ?? 60_000);
  try {
    await authenticate(connection, options.target);
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}
