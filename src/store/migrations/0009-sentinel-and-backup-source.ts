import type { Kysely, Migration } from 'kysely';

export const sentinelAndBackupSource: Migration = {
  async up(db: Kysely<unknown>) {
    // Instances found through Sentinel: which Sentinels to ask, for which master, and their own credentials
    // (the password sealed like the Redis password). Null for instances reached directly.
    const instanceColumns: [string, 'text' | 'varchar(255)'][] = [
      ['sentinel_nodes', 'text'],
      ['sentinel_master', 'varchar(255)'],
      ['sentinel_username', 'varchar(255)'],
      ['sentinel_password', 'text'],
    ];
    for (const [name, type] of instanceColumns) {
      await db.schema.alterTable('instances').addColumn(name, type).execute();
    }
    // Which node served each backup (a replica or the master) and why.
    await db.schema.alterTable('backups').addColumn('served_by', 'text').execute();
  },
};
