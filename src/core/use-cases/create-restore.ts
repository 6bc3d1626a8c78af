import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import { queuedJob } from '../job.ts';
import type { BlobStore, MetadataStore } from '../ports.ts';
import { checkRemark } from '../remark.ts';
import { restoreNameFor, type StoredRestore } from '../restore-record.ts';
import { requireInstance } from './require-instance.ts';
import { requireHeldHere } from './file-holder.ts';

export interface CreateRestoreRequest {
  projectId: string;
  /** The instance whose data is replaced. */
  instanceId: string;
  /** A backup of any instance of the same project (restoring into another instance is an extension). */
  backupId: string;
  remark: string | null;
  /** The request asking for it, kept on the job for its log lines. */
  requestId?: string;
  /** A cluster backup may go into a standalone instance only when this is asked for. */
  intoStandalone?: boolean;
}

/**
 * RestoreInstance: records a waiting restore and queues its job; the caller gets the id at once. The target's
 * own fitness (version, memory, databases) is checked by the job before it writes anything.
 */
export async function createRestore(
  deps: { store: MetadataStore; clock: Clock; blobs?: BlobStore; onQueued?: () => void },
  request: CreateRestoreRequest,
): Promise<StoredRestore> {
  const { store } = deps;
  const target = await requireInstance(store, request.projectId, request.instanceId);
  checkRemark(request.remark);
  const backup = await store.backups.findById(request.backupId);
  const source = backup && (await store.instances.findById(backup.record.instanceId));
  if (!backup || !source || source.projectId !== request.projectId) {
    throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
  }
  const { record } = backup;
  // All the shards of a cluster in one keyspace changes what clients see (keys of every slot on one server):
  // done only when asked for.
  if (backup.detail.shards !== null && target.type !== 'cluster' && request.intoStandalone !== true) {
    throw new DomainError(
      'cluster_into_standalone',
      'The backup is of a cluster (one file per shard) and the instance is not a cluster: restore it into a standalone instance only by asking with into_standalone: true.',
    );
  }
  if (record.status !== 'succeed' || !record.restorable || backup.detail.fileKey === null) {
    const why =
      record.status !== 'succeed'
        ? `the backup is ${record.status}`
        : `the backup cannot be restored: ${backup.detail.errorMessage ?? 'its file did not pass verification'}`;
    throw new DomainError(
      'backup_not_ready',
      `the backup record status is err when restore this instance: ${why}.`,
    );
  }
  // Refused here rather than failed later: only the node holding the file can read it.
  if (deps.blobs) await requireHeldHere({ ...deps, blobs: deps.blobs }, backup.detail);
  const now = deps.clock.now();
  const stored: StoredRestore = {
    record: {
      id: newId(),
      instanceId: request.instanceId,
      backupId: record.id,
      backupName: record.name,
      backupRemark: record.remark,
      name: restoreNameFor(now),
      remark: request.remark,
      status: 'waiting',
      progressHundredths: 0,
      errorCode: null,
      createdAt: now,
      updatedAt: null,
    },
    detail: {
      sourceInstanceId: record.instanceId,
      errorMessage: null,
      startedAt: null,
      report: null,
      intoStandalone: request.intoStandalone === true,
    },
  };
  // Bound to the backup's store: of the processes sharing the database, one that can read the file runs it.
  const job = queuedJob(
    'restore',
    request.instanceId,
    stored.record.id,
    now,
    request.requestId ?? null,
    backup.detail.storeId,
  );
  await store.restores.insertQueued(stored, job);
  deps.onQueued?.();
  return stored;
}
