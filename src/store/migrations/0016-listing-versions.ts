import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/** The tables whose rows a listing shows; a change to any row bumps its instance's listing version. */
const LISTED_TABLES = ['backups', 'restores'] as const;

/**
 * A per-instance listing version that every insert, update and delete of a backup or restore record bumps,
 * from a trigger: in the statement's own transaction, whichever process or code path writes (the service,
 * the CLI's storage moves, an import, a hand-run UPDATE), so a listing cached under a version is never served
 * after a committed change to what it shows. A trigger rather than a bump in each repository method because a
 * writer added later cannot forget it.
 */
export const listingVersions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('instances')
      .addColumn('listing_version', 'bigint', (column) => column.notNull().defaultTo(0))
      .execute();
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`
        CREATE FUNCTION dcs_bump_listing_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            UPDATE instances SET listing_version = listing_version + 1 WHERE id = OLD.instance_id;
          ELSE
            UPDATE instances SET listing_version = listing_version + 1 WHERE id = NEW.instance_id;
          END IF;
          RETURN NULL;
        END $$`.execute(db);
      for (const table of LISTED_TABLES) {
        await sql`
          CREATE TRIGGER ${sql.id(`${table}_listing_version`)}
          AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
          FOR EACH ROW EXECUTE FUNCTION dcs_bump_listing_version()`.execute(db);
      }
      return;
    }
    for (const table of LISTED_TABLES) {
      for (const [event, row] of [
        ['INSERT', 'NEW'],
        ['UPDATE', 'NEW'],
        ['DELETE', 'OLD'],
      ] as const) {
        await sql`
          CREATE TRIGGER ${sql.id(`${table}_listing_version_${event.toLowerCase()}`)}
          AFTER ${sql.raw(event)} ON ${sql.table(table)} FOR EACH ROW BEGIN
            UPDATE instances SET listing_version = listing_version + 1 WHERE id = ${sql.raw(row)}.instance_id;
          END`.execute(db);
      }
    }
  },
};
