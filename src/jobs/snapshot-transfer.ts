import type { RedisEndpoint } from '../core/instance.ts';
import type { BlobStore, RdbFindings, RdbInspector } from '../core/ports.ts';
import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';
import { describeStorageFailure } from '../core/storage-failure.ts';
import type { RdbSummary } from '../engine/rdb/rdb-integrity.ts';
import { fetchRdb } from '../engine/replication/replication-client.ts';
import type { SyncStreamInfo } from '../engine/replication/sync-stream.ts';
import { RedisWireError, type RedisWireFailure } from '../engine/resp/redis-wire-error.ts';
import { AofConvertingSink, type ConvertedFile } from './aof-converting-sink.ts';
import { cancellationOf } from './job-cancelled.ts';
import { ObservedSink } from './observed-sink.ts';
import { SLAB_BYTES } from './slab-copier.ts';

/** How engine failures show in the record's DCS error code (documented in docs/errors.md). */
const RECORD_CODE: Record<RedisWireFailure, RecordErrorCode> = {
  connect: recordCode('toolFailed'),
  auth: recordCode('toolFailed'),
  refused: recordCode('toolFailed'),
  protocol: recordCode('toolFailed'),
  disconnected: recordCode('toolFailed'),
  sink: recordCode('toolFailed'),
  timeout: recordCode('timedOut'),
};

/**
 * The source failures another node of the same data may not have: the node could not be reached, dropped the
 * sync (a node promoted or demoted by a failover drops its replicas, as does one that dies), or refused it (a
 * replica whose link to its master is down). Not the others: credentials, a garbled stream and a silent source
 * would fail the same way again, and an idle timeout already took its full wait.
 */
const SOURCE_FAILURES = new Set<RedisWireFailure>(['connect', 'disconnected', 'refused']);

/** Why a transfer ended without a stored file, as the record will say it. */
export class TransferFailure extends Error {
  readonly code: RecordErrorCode;
  /** The source node failed (see SOURCE_FAILURES): the same data read from another node may succeed. */
  readonly sourceFailed: boolean;
  constructor(code: RecordErrorCode, message: string, options: { sourceFailed?: boolean } = {}) {
    super(message);
    this.code = code;
    this.sourceFailed = options.sourceFailed ?? false;
  }
}

export interface TransferLimits {
  /** How long the source may stay silent during the transfer. */
  idleTimeoutMs: number;
  /** How long a whole transfer may take; unbounded when absent. */
  transferTimeoutMs?: number;
}

export interface StoredSnapshot {
  summary: RdbSummary;
  stream: SyncStreamInfo;
  /** The structure walked as the bytes arrived. */
  found: Omit<RdbFindings, 'sha256' | 'checksum'>;
  /** For an AOF backup: the stored file (the summary above is the RDB's it was converted from). */
  aof?: ConvertedFile;
}

/**
 * Takes one server's snapshot into the blob `key`, as a replica syncs from the endpoint: the checksum is
 * checked and the structure walked on the bytes as they arrive, and the file is committed (durable) only when
 * its integrity checked out. Anything else removes the partial file and throws a TransferFailure. The caller
 * owns the committed blob from then on. A function of the endpoint, so any node (a master, a replica, one
 * shard of a cluster) can be the source.
 */
export async function transferSnapshot(
  deps: { blobs: BlobStore; inspector: RdbInspector } & TransferLimits,
  endpoint: RedisEndpoint,
  key: string,
  signal: AbortSignal,
  onProgress: (bytes: number, announced: number | null) => void,
  file: { backupId: string; sizeHint: number | null; aof?: { now: () => number } },
): Promise<StoredSnapshot> {
  let writer;
  try {
    // The size hint lets an object store size its upload parts.
    writer = await deps.blobs.create(key, { sizeHint: file.sizeHint });
  } catch (error) {
    throw new TransferFailure(
      recordCode('toolFailed'),
      `cannot create the backup file: ${describeStorageFailure(error) ?? (error as Error).message}`,
    );
  }
  // The structure is walked on the bytes as they arrive: the record says what the file holds the moment it
  // is stored, and the file is never read back.
  const walk = deps.inspector.walk();
  // An AOF backup stores the commands the RDB converts to; the walk and the checksums still read the RDB.
  const aof = file.aof ? new AofConvertingSink(writer.stream, file.aof.now) : null;
  // The transfer lends its read buffer: the walk reads each chunk in place, the file gets it copied into
  // slabs, which a file lets go of once written (the AOF conversion keeps what it is given: fresh slabs).
  const sink = new ObservedSink(aof ?? writer.stream, (chunk) => walk.push(chunk), {
    copyChunks: true,
    reuseSlabs: aof === null && (writer.releasesChunksFrom ?? Infinity) <= SLAB_BYTES,
  });
  try {
    const { summary, stream } = await fetchRdb({
      endpoint,
      sink,
      sinkCopiesChunks: true,
      idleTimeoutMs: deps.idleTimeoutMs,
      ...(deps.transferTimeoutMs ? { transferTimeoutMs: deps.transferTimeoutMs } : {}),
      onProgress,
      signal,
    });
    await sink.settled();
    if (summary.problem) {
      await writer.abort();
      throw new TransferFailure(
        recordCode('toolFailed'),
        `the snapshot failed its integrity check: ${summary.problem}`,
      );
    }
    const found = walk.finish();
    aof?.complete();
    await sink.settled();
    const stored = aof?.file;
    // Stored with the object where the store can (S3 metadata), so a file found alone still says what it is.
    await writer.commit({
      sha256: stored?.sha256 ?? summary.sha256,
      'rdb-version': String(summary.rdbVersion),
      'backup-id': file.backupId,
      ...(stored ? { format: 'aof' } : {}),
    });
    return { summary, stream, found, ...(stored ? { aof: stored } : {}) };
  } catch (error) {
    if (error instanceof TransferFailure) throw error;
    sink.destroy();
    await writer.abort().catch(() => undefined);
    throw classify(error, signal);
  }
}

function classify(error: unknown, signal: AbortSignal): TransferFailure {
  const cancelled = cancellationOf(signal);
  if (cancelled) return new TransferFailure(cancelled.recordCode, cancelled.message);
  const storage = describeStorageFailure(error);
  if (storage)
    return new TransferFailure(recordCode('toolFailed'), `cannot write the backup file: ${storage}`);
  if (error instanceof RedisWireError) {
    return new TransferFailure(RECORD_CODE[error.kind], error.message, {
      sourceFailed: SOURCE_FAILURES.has(error.kind),
    });
  }
  return new TransferFailure(recordCode('toolFailed'), `the backup stopped: ${(error as Error).message}`);
}
