import type { Kysely, Migration } from 'kysely';

export const restores: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('restores')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('source_instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('backup_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('backup_name', 'varchar(64)', (c) => c.notNull())
      .addColumn('backup_remark', 'varchar(128)')
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('remark', 'varchar(128)')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('progress', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'varchar(16)')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint')
      .addColumn('started_at', 'bigint')
      // Counts and warnings as JSON: read whole for the detail view, never queried.
      .addColumn('report', 'text')
      .execute();
    await db.schema
      .createIndex('restores_by_instance_time')
      .on('restores')
      .columns(['instance_id', 'created_at', 'id'])
      .execute();
    // What the last verify of a backup found (keys per database and type), as JSON.
    await db.schema.alterTable('backups').addColumn('content_summary', 'text').execute();
  },
};
