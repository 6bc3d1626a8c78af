import { PROGRESS_COMPLETE, type RecordErrorCode } from '../core/backup-record.ts';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import type { BlobStore, MetadataStore, RdbInspector, RedisProbe } from '../core/ports.ts';
import { describeStorageFailure } from '../core/storage-failure.ts';
import { applyStoredRetention } from '../core/use-cases/apply-retention.ts';
import { recordBackupContent } from '../core/use-cases/record-backup-content.ts';
import { fetchRdb } from '../engine/replication/replication-client.ts';
import { RedisWireError, type RedisWireFailure } from '../engine/resp/redis-wire-error.ts';
import { cancellationOf } from './job-cancelled.ts';

export interface BackupRunnerDeps {
  store: MetadataStore;
  blobs: BlobStore;
  probe: RedisProbe;
  inspector: RdbInspector;
  clock: Clock;
  /** How long the source may stay silent during the transfer before the backup times out. */
  idleTimeoutMs: number;
  /** How long a whole transfer may take; unbounded when absent. */
  transferTimeoutMs?: number;
}

/** How engine failures show in the record's DCS error code (documented in docs/errors.md). */
const RECORD_CODE: Record<RedisWireFailure | 'integrity', RecordErrorCode> = {
  connect: 'dcs.08.0001',
  auth: 'dcs.08.0001',
  refused: 'dcs.08.0001',
  protocol: 'dcs.08.0001',
  disconnected: 'dcs.08.0001',
  sink: 'dcs.08.0001',
  integrity: 'dcs.08.0001',
  timeout: 'dcs.08.0002',
};

const PROGRESS_WRITE_INTERVAL_MS = 1000;
/** Progress never claims the end before the file is durable and verified. */
const PROGRESS_CEILING = PROGRESS_COMPLETE - 1;

export const backupFileKey = (backupId: string) => `${backupId}.rdb`;

/**
 * Runs one backup job to its end: streams the snapshot into a blob, verifies it, makes it durable, and only
 * then marks the record succeed. Any failure ends the record failed with its partial file removed. Never throws.
 */
export async function runBackupJob(deps: BackupRunnerDeps, job: Job, signal: AbortSignal): Promise<void> {
  const { store, blobs, clock } = deps;
  const stored = await store.backups.findById(job.backupId);
  const instance = await store.instances.findById(job.instanceId);
  if (!stored || !instance || stored.record.status !== 'waiting') return;
  const fail = async (code: RecordErrorCode, message: string) => {
    await store.backups.update(job.backupId, {
      status: 'failed',
      errorCode: code,
      errorMessage: message,
      restorable: false,
      updatedAt: clock.now(),
    });
  };

  const source = await deps.probe.probe(instance.endpoint).catch(() => undefined);
  const previous = await store.backups.latestSucceededSize(instance.id);
  let estimate = previous ?? source?.usedMemoryBytes ?? null;
  await store.backups.update(job.backupId, {
    status: 'backuping',
    startedAt: clock.now(),
    sourceVersion: source?.engineVersion ?? instance.engineVersion,
    estimatedBytes: estimate,
  });

  const key = backupFileKey(job.backupId);
  let writer;
  try {
    writer = await blobs.create(key);
  } catch (error) {
    await fail(
      'dcs.08.0001',
      `cannot create the backup file: ${describeStorageFailure(error) ?? (error as Error).message}`,
    );
    return;
  }

  let lastWrite = 0;
  let progressWrite: Promise<void> = Promise.resolve();
  const onProgress = (bytes: number, announced: number | null) => {
    if (announced !== null) estimate = announced;
    const now = clock.now();
    if (now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    lastWrite = now;
    const hundredths = estimate
      ? Math.min(PROGRESS_CEILING, Math.floor((bytes * PROGRESS_COMPLETE) / estimate))
      : 0;
    progressWrite = progressWrite.then(() =>
      store.backups
        .update(job.backupId, {
          bytesReceived: bytes,
          progressHundredths: hundredths,
          estimatedBytes: estimate,
        })
        .catch(() => undefined),
    );
  };

  try {
    const { summary, stream } = await fetchRdb({
      endpoint: instance.endpoint,
      sink: writer.stream,
      idleTimeoutMs: deps.idleTimeoutMs,
      ...(deps.transferTimeoutMs ? { transferTimeoutMs: deps.transferTimeoutMs } : {}),
      onProgress,
      signal,
    });
    await progressWrite;
    if (summary.problem) {
      await writer.abort();
      await fail(RECORD_CODE.integrity, `the snapshot failed its integrity check: ${summary.problem}`);
      return;
    }
    await writer.commit();
    await store.backups.update(job.backupId, {
      status: 'succeed',
      sizeBytes: summary.sizeBytes,
      bytesReceived: summary.sizeBytes,
      progressHundredths: PROGRESS_COMPLETE,
      // A file whose checksum could not be checked (rdbchecksum no) is kept but not offered for restore.
      restorable: summary.checksum === 'ok',
      errorMessage: summary.checksum === 'ok' ? null : 'the source writes RDB files without a checksum',
      sha256: summary.sha256,
      rdbVersion: summary.rdbVersion,
      replicationId: stream.replicationId,
      replicationOffset: stream.replicationOffset,
      fileKey: key,
      updatedAt: clock.now(),
    });
    // What the file holds, for the detail view and for planning restores; the record is already succeed.
    await recordBackupContent(deps, job.backupId, key).catch(() => undefined);
    // A new automatic backup may push an older one past keep_last or max_backups.
    if (stored.record.type === 'auto') {
      await applyStoredRetention(store, instance.id, clock.now()).catch(() => undefined);
    }
  } catch (error) {
    await progressWrite;
    await writer.abort().catch(() => undefined);
    const cancelled = cancellationOf(signal);
    const storage = describeStorageFailure(error);
    if (cancelled) await fail(cancelled.recordCode, cancelled.message);
    else if (storage) await fail('dcs.08.0001', `cannot write the backup file: ${storage}`);
    else if (error instanceof RedisWireError) await fail(RECORD_CODE[error.kind], error.message);
    else await fail('dcs.08.0001', `the backup stopped: ${(error as Error).message}`);
  }
}
