import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';

export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

// int8 (bigint, count(*)) comes back from pg as a string by default; our values are epoch ms and byte counts,
// far below 2^53, so numbers are exact and let both engines return the same types.
pg.types.setTypeParser(20, Number);

/** Opens the metadata database and brings its schema up to date. */
export async function openDatabase(location: DatabaseLocation): Promise<Kysely<Database>> {
  const db = new Kysely<Database>({ dialect: dialectFor(location) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

function dialectFor(location: DatabaseLocation) {
  if (location.kind === 'postgres') {
    return new PostgresDialect({ pool: new pg.Pool({ connectionString: location.url, max: 10 }) });
  }
  if (location.file !== ':memory:') fs.mkdirSync(path.dirname(location.file), { recursive: true });
  const sqlite = new SqliteDatabase(location.file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a committed status change survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database: sqlite });
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'schema_migrations' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}
