import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import type { BlobStore, MetadataStore } from '../core/ports.ts';
import type { JobCancelled } from './job-cancelled.ts';
import { backupFileKey } from './run-backup.ts';

/**
 * Ends the record of a job whose worker died (its lease ran out): a backup fails and its file goes, a restore
 * fails saying the target's data may be incomplete. With `cancelled`, the worker is stopping and the job did
 * not end when asked to: the record then says so.
 */
export async function reapJob(
  deps: { store: MetadataStore; blobs: BlobStore; clock: Clock },
  job: Job,
  cancelled?: JobCancelled,
): Promise<void> {
  const { store, blobs, clock } = deps;
  const errorCode = cancelled?.recordCode ?? 'dcs.08.0002';
  if (job.kind === 'restore') {
    const restore = await store.restores.findById(job.backupId);
    if (restore && (restore.record.status === 'waiting' || restore.record.status === 'restoring')) {
      await store.restores.update(job.backupId, {
        status: 'failed',
        errorCode,
        errorMessage: `${cancelled?.message ?? 'the process running this restore stopped before it ended'}; the target data may be incomplete`,
        updatedAt: clock.now(),
      });
    }
    return;
  }
  const stored = await store.backups.findById(job.backupId);
  if (stored && (stored.record.status === 'waiting' || stored.record.status === 'backuping')) {
    await store.backups.update(job.backupId, {
      status: 'failed',
      errorCode,
      errorMessage: cancelled?.message ?? 'the process running this backup stopped before it ended',
      restorable: false,
      updatedAt: clock.now(),
    });
    // The file may even have been committed just before the worker died: unverified, so it goes too.
    await blobs.remove(backupFileKey(job.backupId));
  }
  await blobs.removePartial(backupFileKey(job.backupId));
}
