import type { Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Finishes the unfinished job that fills a record (backup or restore), inside the transaction that moves the
 * record out of its active states. The one-unfinished-job-per-instance index is what refuses a new backup
 * while one runs, so the instance is free in the same step as the record's outcome shows, never after it.
 */
export async function finishRecordJob(
  tx: Transaction<Database>,
  table: 'backups' | 'restores' | 'migration_tasks',
  recordId: string,
  now: number | null | undefined,
): Promise<void> {
  if (typeof now !== 'number') throw new Error('a transition that ends a job must say when (updatedAt)');
  await tx
    .updateTable('jobs')
    .set({ state: 'finished', finished_at: now, lease_until: null })
    // By instance first: the partial index of unfinished jobs per instance finds the row without a scan.
    .where('instance_id', '=', (eb) => eb.selectFrom(table).select('instance_id').where('id', '=', recordId))
    .where('finished_at', 'is', null)
    .where('backup_id', '=', recordId)
    .execute();
}
