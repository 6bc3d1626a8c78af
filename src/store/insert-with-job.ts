import type { Kysely, Transaction } from 'kysely';
import { DomainError } from '../core/errors.ts';
import type { Job } from '../core/job.ts';
import { jobToRow } from './row-mapping.ts';
import type { Database } from './schema.ts';
import { isUniqueViolation } from './unique-violation.ts';

/**
 * Inserts a job and the record it fills in one transaction. The jobs table allows one unfinished job per
 * instance (a partial unique index), so of two processes queueing work for one instance exactly one succeeds,
 * and the other learns whether a backup or a restore is in the way.
 */
export async function insertWithJob(
  db: Kysely<Database>,
  job: Job,
  insertRecord: (tx: Transaction<Database>) => Promise<void>,
): Promise<void> {
  try {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('jobs').values(jobToRow(job)).execute();
      await insertRecord(tx);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const active = await db
      .selectFrom('jobs')
      .select('kind')
      .where('instance_id', '=', job.instanceId)
      .where('finished_at', 'is', null)
      .executeTakeFirst();
    throw active?.kind === 'restore'
      ? new DomainError('restore_in_progress', 'the instance is restoring.')
      : new DomainError('backup_in_progress', 'the instance is backuping.');
  }
}
