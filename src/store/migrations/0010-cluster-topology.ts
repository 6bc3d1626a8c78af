import type { Kysely, Migration } from 'kysely';

export const clusterTopology: Migration = {
  async up(db: Kysely<unknown>) {
    // A cluster instance's shards (masters, replicas, slot ranges) as JSON, refreshed before each backup:
    // read as a whole with the instance, never queried by its parts.
    await db.schema.alterTable('instances').addColumn('topology', 'text').execute();
    // A cluster backup's files, one per shard (slots, source node, key, size, SHA-256, keys), as JSON.
    await db.schema.alterTable('backups').addColumn('shard_files', 'text').execute();
  },
};
