import type { Kysely, Migration } from 'kysely';

export const nodesAndStoreIds: Migration = {
  async up(db: Kysely<unknown>) {
    // Which blob store holds a backup's file: processes sharing the database may each have their own
    // directory. Null for records written before stores had ids: they belong to the local store.
    await db.schema.alterTable('backups').addColumn('store_id', 'varchar(512)').execute();
    // The store a job must run beside (a restore reads its backup's file); null: any process may run it.
    await db.schema.alterTable('jobs').addColumn('store_id', 'varchar(512)').execute();
    await db.schema
      .createTable('nodes')
      // The process's job owner name, so its running jobs are found by it.
      .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('host_name', 'varchar(255)', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('url', 'varchar(2048)', (c) => c.notNull())
      .addColumn('store_id', 'varchar(512)', (c) => c.notNull())
      .addColumn('version', 'varchar(64)', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      // The node's own renewal period: whether it is alive is judged against it, not the reader's.
      .addColumn('heartbeat_ms', 'integer', (c) => c.notNull())
      .addColumn('stopped_at', 'bigint')
      .execute();
    await db.schema.createIndex('nodes_store').on('nodes').columns(['store_id']).execute();
  },
};
