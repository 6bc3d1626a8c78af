import type { Kysely, Migration } from 'kysely';

export const credentials: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('credentials')
      .addColumn('access_key', 'varchar(64)', (c) => c.primaryKey())
      // Sealed with the master key; never stored in clear.
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('project_id', 'varchar(64)')
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('description', 'varchar(255)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
  },
};
