import { backupFileKey, PROGRESS_COMPLETE } from '../core/backup-record.ts';
import type { Instance, RedisEndpoint } from '../core/instance.ts';
import type { Job } from '../core/job.ts';
export type { BackupRunnerDeps } from './backup-run-shared.ts';
import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';
import { ACTIVE_BACKUP_STATUSES } from '../core/record-states.ts';
import { applyStoredRetention } from '../core/use-cases/apply-retention.ts';
import { chooseBackupSource, type ChosenSource } from '../engine/topology/choose-backup-source.ts';
import {
  contentOf,
  PROGRESS_CEILING,
  PROGRESS_WRITE_INTERVAL_MS,
  type BackupRunnerDeps,
} from './backup-run-shared.ts';
import { runClusterBackup } from './run-cluster-backup.ts';
import { TransferFailure, transferSnapshot, type StoredSnapshot } from './snapshot-transfer.ts';

export { backupFileKey };

/** Instances whose data another node holds too, so a backup has another node to be read from. */
const hasOtherNodes = (instance: Instance) =>
  instance.type === 'master_standby' || Boolean(instance.sentinel);

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

  // The node to read from: a healthy replica of a master/standby instance, else its master (topology/). A
  // cluster's shards each choose their own node (shard-source.ts), and their files say which.
  let node: ChosenSource | null = null;
  if (instance.type !== 'cluster') {
    try {
      node = await chooseBackupSource(instance);
    } catch (error) {
      await fail(recordCode('toolFailed'), `cannot find the node to back up: ${(error as Error).message}`);
      return;
    }
  }
  const nodeEndpoint = node?.endpoint ?? instance.endpoint;
  const source = await deps.probe.probe(nodeEndpoint).catch(() => undefined);
  const previous = await store.backups.latestSucceededSize(instance.id);
  let estimate = previous ?? source?.usedMemoryBytes ?? null;
  const started = await store.backups.transition(job.backupId, ['waiting'], 'backuping', {
    startedAt: clock.now(),
    sourceVersion: source?.engineVersion ?? instance.engineVersion,
    estimatedBytes: estimate,
    servedBy: node && { role: node.role, address: node.address, reason: node.reason },
    // Before any file exists: the clean-up pass of this store then knows the partial files are a live one's.
    storeId: blobs.id,
  });
  if (!started) return;
  // Checked again at every backup: a server can be made a cluster node after it was attached, and one node of
  // a cluster holds only its shard's slots. A record that says succeed must hold the whole data set.
  if (instance.type === 'cluster') {
    await runClusterBackup(
      deps,
      { job, instance, auto: stored.record.type === 'auto', previous, fail },
      signal,
    );
    return;
  }
  if (source?.clusterEnabled === true) {
    await fail(
      recordCode('toolFailed'),
      'the source is a Redis Cluster node (cluster_enabled:1): one node holds only its shard; attach the cluster again so its backups take every shard',
    );
    return;
  }

  const format = stored.record.format;
  const key = backupFileKey(job.backupId, format);
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

  const transfer = (endpoint: RedisEndpoint) =>
    transferSnapshot(deps, endpoint, key, signal, onProgress, {
      backupId: job.backupId,
      sizeHint: estimate,
      ...(format === 'aof' ? { aof: { now: () => clock.now() } } : {}),
    });
  let snapshot: StoredSnapshot | undefined;
  let failure: TransferFailure | undefined;
  try {
    snapshot = await transfer(nodeEndpoint);
  } catch (error) {
    failure = error as TransferFailure;
  }
  // A master/standby instance holds the same data on another node: a source that failed mid-transfer (a
  // replica that died, a failover that dropped the sync) is replaced once by the node chosen anew.
  if (failure && node && failure.sourceFailed && hasOtherNodes(instance) && !signal.aborted) {
    const first = `the ${node.role} ${node.address} chosen first failed: ${failure.message}`;
    ({ snapshot, failure } = await readElsewhere(store, job.backupId, instance, first, transfer));
  }
  if (!snapshot) {
    await progressWrite;
    await fail(failure!.code, failure!.message);
    return;
  }
  await progressWrite;
  const { summary, stream, found, aof } = snapshot;
  // An AOF backup's record describes the stored AOF; its content and RDB version are the snapshot's it came from.
  const file = aof ?? summary;
  const content = contentOf({ ...found, sha256: summary.sha256, checksum: summary.checksum }, clock.now());
  // A file whose checksum could not be checked (rdbchecksum no), or that the reader cannot walk, is kept
  // but not offered for restore.
  const errorMessage =
    found.problem !== null
      ? `the RDB reader cannot read the file: ${found.problem}`
      : summary.checksum === 'ok'
        ? null
        : 'the source writes RDB files without a checksum';
  const succeeded = await store.backups
    .transition(job.backupId, ['backuping'], 'succeed', {
      sizeBytes: file.sizeBytes,
      bytesReceived: summary.sizeBytes,
      progressHundredths: PROGRESS_COMPLETE,
      restorable: errorMessage === null,
      errorMessage,
      sha256: file.sha256,
      rdbVersion: summary.rdbVersion,
      replicationId: stream.replicationId,
      replicationOffset: stream.replicationOffset,
      fileKey: key,
      content,
      updatedAt: clock.now(),
    })
    .catch(async (error: unknown) => {
      await blobs.remove(key).catch(() => undefined);
      await fail(recordCode('toolFailed'), `the backup stopped: ${(error as Error).message}`);
      return null;
    });
  if (succeeded === false) {
    // Reaped while it ran: the record's outcome stands, and no record owns this file.
    await blobs.remove(key).catch(() => undefined);
    return;
  }
  // A new automatic backup may push an older one past keep_last or max_backups.
  if (succeeded && stored.record.type === 'auto') {
    await applyStoredRetention(store, instance.id, clock.now()).catch(() => undefined);
  }
}

/**
 * The second attempt of a master/standby backup whose source failed: the source is chosen anew (after a failover
 * the new master's replica or the master itself, after a replica died the master), and served_by says why.
 */
async function readElsewhere(
  store: BackupRunnerDeps['store'],
  backupId: string,
  instance: Instance,
  first: string,
  transfer: (endpoint: RedisEndpoint) => Promise<StoredSnapshot>,
): Promise<{ snapshot?: StoredSnapshot; failure?: TransferFailure }> {
  let again: ChosenSource;
  try {
    again = await chooseBackupSource(instance);
  } catch (error) {
    const why = `cannot find the node to back up: ${(error as Error).message}`;
    return { failure: new TransferFailure(recordCode('toolFailed'), `${first}; not retried: ${why}`) };
  }
  const servedBy = { role: again.role, address: again.address, reason: `${first}; retried: ${again.reason}` };
  await store.backups.transition(backupId, ['backuping'], 'backuping', { servedBy }).catch(() => undefined);
  try {
    return { snapshot: await transfer(again.endpoint) };
  } catch (error) {
    const second = error as TransferFailure;
    const message = `${first}; retried from the ${again.role} ${again.address}, which failed too: ${second.message}`;
    return { failure: new TransferFailure(second.code, message) };
  }
}
