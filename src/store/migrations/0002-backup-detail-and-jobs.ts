import { type Kysely, type Migration, sql } from 'kysely';

export const backupDetailAndJobs: Migration = {
  async up(db: Kysely<unknown>) {
    const columns: [string, 'text' | 'integer' | 'bigint' | 'varchar(64)'][] = [
      ['sha256', 'varchar(64)'],
      ['rdb_version', 'integer'],
      ['source_version', 'varchar(64)'],
      ['replication_id', 'varchar(64)'],
      ['replication_offset', 'bigint'],
      ['started_at', 'bigint'],
      ['error_message', 'text'],
      ['file_key', 'varchar(64)'],
      ['estimated_bytes', 'bigint'],
    ];
    for (const [name, type] of columns) {
      await db.schema.alterTable('backups').addColumn(name, type).execute();
    }
    await db.schema
      .alterTable('backups')
      .addColumn('bytes_received', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('backup_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('owner', 'varchar(64)')
      .addColumn('lease_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('jobs_by_state').on('jobs').columns(['state', 'created_at']).execute();
    // At most one unfinished job (backup or restore) per instance, whichever process inserts it.
    await db.schema
      .createIndex('jobs_one_active_per_instance')
      .on('jobs')
      .column('instance_id')
      .unique()
      .where(sql.ref('finished_at'), 'is', null)
      .execute();
  },
};
