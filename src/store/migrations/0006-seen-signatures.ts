import type { Kysely, Migration } from 'kysely';

export const seenSignatures: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('seen_signatures')
      // The signature itself is the key: an insert that finds it already there is a replay, on any node.
      .addColumn('signature', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('access_key', 'varchar(64)', (c) => c.notNull())
      // When the signature can no longer pass the X-Sdk-Date check: the row may go then.
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('seen_signatures_expiry')
      .on('seen_signatures')
      .columns(['expires_at'])
      .execute();
  },
};
