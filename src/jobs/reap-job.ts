import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import { ACTIVE_MIGRATION_STATUSES } from '../core/migration-task.ts';
import type { BlobStore, MetadataStore } from '../core/ports.ts';
import { recordCode } from '../core/record-codes.ts';
import { ACTIVE_BACKUP_STATUSES, ACTIVE_RESTORE_STATUSES } from '../core/record-states.ts';
import type { JobCancelled } from './job-cancelled.ts';
import { backupFileKey } from './run-backup.ts';

/**
 * Ends the record of a job whose worker died (its lease ran out): a backup fails and its file goes, a restore
 * fails saying the target's data may be incomplete. With `cancelled`, the worker is stopping and the job did
 * not end when asked to: the record then says so. The record moves only out of its active states, so a
 * record the job had already ended keeps its outcome.
 */
export async function reapJob(
  deps: { store: MetadataStore; blobs: BlobStore; clock: Clock },
  job: Job,
  cancelled?: JobCancelled,
): Promise<void> {
  const { store, blobs, clock } = deps;
  const errorCode = cancelled?.recordCode ?? recordCode('timedOut');
  if (job.kind === 'import') {
    await store.migrationTasks.transition(job.backupId, ACTIVE_MIGRATION_STATUSES, 'FAILED', {
      errorMessage: `${cancelled?.message ?? 'the process running this import stopped before it ended'}; the target data may be incomplete`,
      updatedAt: clock.now(),
    });
    return;
  }
  if (job.kind === 'restore') {
    await store.restores.transition(job.backupId, ACTIVE_RESTORE_STATUSES, 'failed', {
      errorCode,
      errorMessage: `${cancelled?.message ?? 'the process running this restore stopped before it ended'}; the target data may be incomplete`,
      updatedAt: clock.now(),
    });
    return;
  }
  const failed = await store.backups.transition(job.backupId, ACTIVE_BACKUP_STATUSES, 'failed', {
    errorCode,
    errorMessage: cancelled?.message ?? 'the process running this backup stopped before it ended',
    restorable: false,
    updatedAt: clock.now(),
  });
  // The file may even have been committed just before the worker died: unverified, so it goes too. The job
  // does not say the format: both names are cleared.
  for (const key of [backupFileKey(job.backupId, 'rdb'), backupFileKey(job.backupId, 'aof')]) {
    if (failed) await blobs.remove(key);
    await blobs.removePartial(key);
  }
}
