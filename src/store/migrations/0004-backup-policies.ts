import { type Kysely, type Migration, sql } from 'kysely';

export const backupPolicies: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('backup_policies')
      .addColumn('instance_id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('id', 'varchar(36)', (c) => c.notNull())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('backup_type', 'varchar(8)', (c) => c.notNull())
      .addColumn('save_days', 'integer')
      .addColumn('keep_last', 'integer')
      .addColumn('max_backups', 'integer')
      .addColumn('weekdays', 'varchar(16)')
      .addColumn('period_type', 'varchar(16)')
      .addColumn('begin_hour', 'integer')
      .addColumn('timezone_offset', 'varchar(32)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('next_window_at', 'bigint')
      .execute();
    // The scheduler asks only for policies whose next window has come: its cost follows what is due.
    await db.schema
      .createIndex('backup_policies_due')
      .on('backup_policies')
      .column('next_window_at')
      .where(sql.ref('next_window_at'), 'is not', null)
      .execute();

    await db.schema.alterTable('backups').addColumn('expires_at', 'bigint').execute();
    await db.schema
      .createIndex('backups_expiring')
      .on('backups')
      .column('expires_at')
      .where(sql.ref('expires_at'), 'is not', null)
      .execute();
    // One automatic backup per instance and window, however many processes run the scheduler.
    await db.schema
      .createIndex('backups_one_auto_per_window')
      .on('backups')
      .columns(['instance_id', 'execution_at'])
      .unique()
      .where(sql<boolean>`backup_type = 'auto'`)
      .execute();
  },
};
