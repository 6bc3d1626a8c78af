import { type BackupFormat, type BackupRecord, backupNameFor } from '../backup-record.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import { queuedJob } from '../job.ts';
import type { MetadataStore } from '../ports.ts';
import { checkRemark } from '../remark.ts';
import { requireInstance } from './require-instance.ts';

export interface CreateBackupRequest {
  projectId: string;
  instanceId: string;
  remark: string | null;
  format: BackupFormat;
  /** The request asking for it, kept on the job for its log lines. */
  requestId?: string;
}

export interface CreateBackupDeps {
  store: MetadataStore;
  clock: Clock;
  /** Tells the local worker that a job is waiting, so it need not wait for its next poll. */
  onQueued?: () => void;
}

/** CopyInstance: records a waiting backup and queues the job that takes it; the caller gets the id at once. */
export async function createBackup(
  deps: CreateBackupDeps,
  request: CreateBackupRequest,
): Promise<BackupRecord> {
  const instance = await requireInstance(deps.store, request.projectId, request.instanceId);
  checkRemark(request.remark);
  if (request.format === 'aof' && instance.type === 'cluster') {
    throw new DomainError(
      'not_supported',
      'backup_format "aof" is not supported for a cluster instance yet: its backups are one RDB per shard; use "rdb".',
    );
  }
  const now = deps.clock.now();
  const record: BackupRecord = {
    id: newId(),
    instanceId: request.instanceId,
    name: backupNameFor(now),
    type: 'manual',
    format: request.format,
    status: 'waiting',
    remark: request.remark,
    period: null,
    errorCode: null,
    sizeBytes: 0,
    progressHundredths: 0,
    restorable: false,
    createdAt: now,
    updatedAt: null,
    executionAt: now,
  };
  const job = queuedJob('backup', request.instanceId, record.id, now, request.requestId ?? null);
  await deps.store.backups.insertQueued(record, job);
  deps.onQueued?.();
  return record;
}
