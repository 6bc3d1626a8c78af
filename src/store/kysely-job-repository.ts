import type { Kysely } from 'kysely';
import type { Job } from '../core/job.ts';
import type { JobRepository } from '../core/ports.ts';
import { rowToJob } from './row-mapping.ts';
import type { Database } from './schema.ts';

/**
 * Jobs claimed with a conditional UPDATE: of several processes racing for the same job, exactly one sees its
 * update take effect, on SQLite and PostgreSQL alike.
 */
export class KyselyJobRepository implements JobRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async claim(owner: string, leaseUntil: number, storeId?: string): Promise<Job | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let queued = this.#db.selectFrom('jobs').select('id').where('state', '=', 'queued');
      if (storeId !== undefined) {
        // A job bound to another store waits for a process over that store.
        queued = queued.where((eb) => eb.or([eb('store_id', 'is', null), eb('store_id', '=', storeId)]));
      }
      const next = await queued.orderBy('created_at').limit(1).executeTakeFirst();
      if (!next) return undefined;
      const claimed = await this.#db
        .updateTable('jobs')
        .set({ state: 'running', owner, lease_until: leaseUntil })
        .where('id', '=', next.id)
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      if (claimed) return rowToJob(claimed);
      // Another process took it between our read and our update: look again.
    }
    return undefined;
  }

  async renew(jobId: string, owner: string, leaseUntil: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('jobs')
      .set({ lease_until: leaseUntil })
      .where('id', '=', jobId)
      .where('owner', '=', owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finish(jobId: string, now: number): Promise<void> {
    await this.#db
      .updateTable('jobs')
      // The lease goes with it: nobody holds the job any more, and it is never reaped or run again.
      .set({ state: 'finished', finished_at: now, lease_until: null })
      .where('id', '=', jobId)
      .where('finished_at', 'is', null)
      .execute();
  }

  async reapExpired(now: number): Promise<Job[]> {
    const expired = await this.#db
      .selectFrom('jobs')
      .select('id')
      .where('state', '=', 'running')
      .where('lease_until', '<', now)
      .execute();
    const reaped: Job[] = [];
    for (const { id } of expired) {
      const row = await this.#db
        .updateTable('jobs')
        .set({ state: 'finished', finished_at: now })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .where('lease_until', '<', now)
        .returningAll()
        .executeTakeFirst();
      if (row) reaped.push(rowToJob(row));
    }
    return reaped;
  }

  async countQueued(): Promise<number> {
    const row = await this.#db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'queued')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
