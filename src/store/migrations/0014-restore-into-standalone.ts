import type { Kysely, Migration } from 'kysely';

export const restoreIntoStandalone: Migration = {
  async up(db: Kysely<unknown>) {
    // Whether the restore was asked to put a cluster backup's shards into one standalone server (1) or not (0).
    await db.schema
      .alterTable('restores')
      .addColumn('into_standalone', 'integer', (column) => column.notNull().defaultTo(0))
      .execute();
  },
};
