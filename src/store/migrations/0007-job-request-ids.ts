import type { Kysely, Migration } from 'kysely';

export const jobRequestIds: Migration = {
  async up(db: Kysely<unknown>) {
    // The X-Request-Id of the call that queued the job (`scheduler` for automatic backups), so the job's
    // outcome in the log can be tied to the request that asked for it.
    await db.schema.alterTable('jobs').addColumn('created_request_id', 'varchar(64)').execute();
  },
};
