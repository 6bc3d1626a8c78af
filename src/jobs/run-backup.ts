import { PROGRESS_COMPLETE } from '../core/backup-record.ts';
import type { ContentSummary } from '../core/backup-detail.ts';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import type { BlobStore, MetadataStore, RdbFindings, RdbInspector, RedisProbe } from '../core/ports.ts';
import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';
import { ACTIVE_BACKUP_STATUSES } from '../core/record-states.ts';
import { describeStorageFailure } from '../core/storage-failure.ts';
import { applyStoredRetention } from '../core/use-cases/apply-retention.ts';
import { summaryOf } from '../core/use-cases/verify-backup.ts';
import { fetchRdb } from '../engine/replication/replication-client.ts';
import { RedisWireError, type RedisWireFailure } from '../engine/resp/redis-wire-error.ts';
import { cancellationOf } from './job-cancelled.ts';
import { ObservedSink } from './observed-sink.ts';

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
  connect: recordCode('toolFailed'),
  auth: recordCode('toolFailed'),
  refused: recordCode('toolFailed'),
  protocol: recordCode('toolFailed'),
  disconnected: recordCode('toolFailed'),
  sink: recordCode('toolFailed'),
  integrity: recordCode('toolFailed'),
  timeout: recordCode('timedOut'),
};

const PROGRESS_WRITE_INTERVAL_MS = 1000;
/** Progress never claims the end before the file is durable and verified. */
const PROGRESS_CEILING = PROGRESS_COMPLETE - 1;

export const backupFileKey = (backupId: string) => `${backupId}.rdb`;

/**
 * Runs one backup job to its end: streams the snapshot into a blob while checking its checksum and walking
 * its structure, makes it durable, and only then marks the record succeed, with what the file holds, in one
 * step. Any failure ends the record failed with its partial file removed. Every status change is a
 * compare-and-set from the state this job put the record in, so a job that was reaped meanwhile (its record
 * already failed) changes nothing and leaves no file. Never throws.
 */
export async function runBackupJob(deps: BackupRunnerDeps, job: Job, signal: AbortSignal): Promise<void> {
  const { store, blobs, clock } = deps;
  const stored = await store.backups.findById(job.backupId);
  const instance = await store.instances.findById(job.instanceId);
  if (!stored || !instance || stored.record.status !== 'waiting') return;
  const fail = async (code: RecordErrorCode, message: string) => {
    await store.backups.transition(job.backupId, ACTIVE_BACKUP_STATUSES, 'failed', {
      errorCode: code,
      errorMessage: message,
      restorable: false,
      updatedAt: clock.now(),
    });
  };

  const source = await deps.probe.probe(instance.endpoint).catch(() => undefined);
  const previous = await store.backups.latestSucceededSize(instance.id);
  let estimate = previous ?? source?.usedMemoryBytes ?? null;
  const started = await store.backups.transition(job.backupId, ['waiting'], 'backuping', {
    startedAt: clock.now(),
    sourceVersion: source?.engineVersion ?? instance.engineVersion,
    estimatedBytes: estimate,
  });
  if (!started) return;
  // Checked again at every backup: a server can be made a cluster node after it was attached, and one node of
  // a cluster holds only its shard's slots. A record that says succeed must hold the whole data set.
  if (instance.type === 'cluster' || source?.clusterEnabled === true) {
    await fail(
      recordCode('toolFailed'),
      'the source is a Redis Cluster node (cluster_enabled:1): one node holds only its shard; cluster backups take every shard',
    );
    return;
  }

  const key = backupFileKey(job.backupId);
  let writer;
  try {
    writer = await blobs.create(key);
  } catch (error) {
    await fail(
      recordCode('toolFailed'),
      `cannot create the backup file: ${describeStorageFailure(error) ?? (error as Error).message}`,
    );
    return;
  }

  let lastWrite = 0;
  let progressWrite: Promise<unknown> = Promise.resolve();
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
        .transition(job.backupId, ['backuping'], 'backuping', {
          bytesReceived: bytes,
          progressHundredths: hundredths,
          estimatedBytes: estimate,
        })
        .catch(() => undefined),
    );
  };

  // The structure is walked on the bytes as they arrive: the record says what the file holds the moment it
  // is stored, and the file is never read back.
  const walk = deps.inspector.walk();
  const sink = new ObservedSink(writer.stream, (chunk) => walk.push(chunk));
  try {
    const { summary, stream } = await fetchRdb({
      endpoint: instance.endpoint,
      sink,
      idleTimeoutMs: deps.idleTimeoutMs,
      ...(deps.transferTimeoutMs ? { transferTimeoutMs: deps.transferTimeoutMs } : {}),
      onProgress,
      signal,
    });
    await sink.settled();
    await progressWrite;
    if (summary.problem) {
      await writer.abort();
      await fail(RECORD_CODE.integrity, `the snapshot failed its integrity check: ${summary.problem}`);
      return;
    }
    const found = walk.finish();
    const content = contentOf({ ...found, sha256: summary.sha256, checksum: summary.checksum }, clock.now());
    await writer.commit();
    // A file whose checksum could not be checked (rdbchecksum no), or that the reader cannot walk, is kept
    // but not offered for restore.
    const errorMessage =
      found.problem !== null
        ? `the RDB reader cannot read the file: ${found.problem}`
        : summary.checksum === 'ok'
          ? null
          : 'the source writes RDB files without a checksum';
    const succeeded = await store.backups.transition(job.backupId, ['backuping'], 'succeed', {
      sizeBytes: summary.sizeBytes,
      bytesReceived: summary.sizeBytes,
      progressHundredths: PROGRESS_COMPLETE,
      restorable: errorMessage === null,
      errorMessage,
      sha256: summary.sha256,
      rdbVersion: summary.rdbVersion,
      replicationId: stream.replicationId,
      replicationOffset: stream.replicationOffset,
      fileKey: key,
      content,
      updatedAt: clock.now(),
    });
    if (!succeeded) {
      // Reaped while it ran: the record's outcome stands, and no record owns this file.
      await blobs.remove(key).catch(() => undefined);
      return;
    }
    // A new automatic backup may push an older one past keep_last or max_backups.
    if (stored.record.type === 'auto') {
      await applyStoredRetention(store, instance.id, clock.now()).catch(() => undefined);
    }
  } catch (error) {
    sink.destroy();
    await progressWrite;
    await writer.abort().catch(() => undefined);
    const cancelled = cancellationOf(signal);
    const storage = describeStorageFailure(error);
    if (cancelled) await fail(cancelled.recordCode, cancelled.message);
    else if (storage) await fail(recordCode('toolFailed'), `cannot write the backup file: ${storage}`);
    else if (error instanceof RedisWireError) await fail(RECORD_CODE[error.kind], error.message);
    else await fail(recordCode('toolFailed'), `the backup stopped: ${(error as Error).message}`);
  }
}

/** The structure walked during the transfer, as the record keeps it (the read after a backup: not deep). */
function contentOf(findings: RdbFindings, at: number): ContentSummary {
  return summaryOf(findings, { deep: false, at, sha256Matches: null, problem: findings.problem });
}
