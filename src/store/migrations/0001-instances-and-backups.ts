import type { Kysely, Migration } from 'kysely';

export const instancesAndBackups: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('instances')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('type', 'varchar(16)', (c) => c.notNull())
      .addColumn('host', 'varchar(255)', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('db', 'integer', (c) => c.notNull())
      .addColumn('username', 'varchar(255)')
      .addColumn('password', 'text')
      .addColumn('tls', 'integer', (c) => c.notNull())
      .addColumn('engine_version', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // The unfiltered listing's total_num, so a listing never counts thousands of index entries.
      .addColumn('backup_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('instances_by_project').on('instances').columns(['project_id']).execute();

    await db.schema
      .createTable('backups')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('backup_type', 'varchar(8)', (c) => c.notNull())
      .addColumn('backup_format', 'varchar(8)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('remark', 'varchar(128)')
      .addColumn('period', 'varchar(32)')
      .addColumn('error_code', 'varchar(16)')
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('progress', 'integer', (c) => c.notNull())
      .addColumn('restorable', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint')
      .addColumn('execution_at', 'bigint')
      .execute();
    // The listing walks this index newest first: the count and the page's ids come from it alone.
    await db.schema
      .createIndex('backups_by_instance_time')
      .on('backups')
      .columns(['instance_id', 'created_at', 'id'])
      .execute();
  },
};
