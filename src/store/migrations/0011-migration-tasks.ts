import type { Kysely, Migration } from 'kysely';

export const migrationTasks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('migration_tasks')
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      // The target: named instance_id like the other records a job fills (finish-record-job.ts).
      .addColumn('instance_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('description', 'varchar(1024)')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('file_source', 'varchar(16)', (c) => c.notNull())
      .addColumn('bucket_name', 'varchar(255)')
      // The files as the request named them, as JSON: read whole, never queried.
      .addColumn('files', 'text', (c) => c.notNull())
      .addColumn('backup_id', 'varchar(36)')
      .addColumn('error_message', 'text')
      .addColumn('report', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('migration_tasks_by_project_time')
      .on('migration_tasks')
      .columns(['project_id', 'created_at', 'id'])
      .execute();
  },
};
