import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteStatement } from 'kysely';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';

/** Where Kysely's migrator records the migrations applied. */
export const MIGRATION_TABLE = 'schema_migrations';

export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Opens the metadata database and brings its schema up to date. */
export async function openDatabase(location: DatabaseLocation): Promise<Kysely<Database>> {
  const db = new Kysely<Database>({ dialect: await dialectFor(location) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

async function dialectFor(location: DatabaseLocation) {
  if (location.kind === 'postgres') {
    // Loaded only when used: the embedded default should not pay the driver's memory.
    const { default: pg } = await import('pg');
    // int8 (bigint, count(*)) comes back as a string by default; our values are epoch ms and byte counts, far
    // below 2^53, so numbers are exact and let both engines return the same types.
    pg.types.setTypeParser(20, Number);
    // A connection attempt that hangs (a dead host) fails instead of holding requests and readiness checks.
    const pool = new pg.Pool({ connectionString: location.url, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle connection that breaks (PostgreSQL restarted or cut off) is dropped by the pool and the next
    // query opens a new one. Without a listener the pool's error event would end the process.
    pool.on('error', () => {});
    const names = new StatementNames();
    pool.on('connect', (client) => {
      nameStatements(client, names);
      // A connection that breaks while the pool has lent the client out (a query running, a transaction open)
      // fails that query and then emits 'error' on the client, where the pool's listener is not attached while
      // it is lent: unheard, the event would end the process. The query's caller has its error; the pool
      // drops the broken client when it comes back.
      client.on('error', () => {});
    });
    return new PostgresDialect({ pool });
  }
  if (location.file !== ':memory:') createPrivately(location.file);
  const sqlite = new SqliteDatabase(location.file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a committed status change survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  // The default 2 MB page cache makes every listing read pages back through system calls; map the file
  // and keep a larger cache so the index and recent records stay in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 1073741824');
  return new SqliteDialect({ database: withStatementCache(sqlite) });
}

/**
 * Creates the database file 0600 (its directory 0700) before SQLite opens it: SQLite gives its -wal, -shm and
 * journal files the database file's own mode, so the metadata is private whatever the umask.
 */
function createPrivately(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; preparing costs more than running the small indexed queries of the hot
 * path, so prepared statements are kept per SQL text. Safe because Kysely runs each statement to completion
 * (all/run) before the next query on the same connection.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const cached = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
    }
    return statement;
  };
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      return sql === 'rollback' ? rollbackIfOpen(sqlite, cached) : cached(sql);
    },
  };
}

/**
 * Kysely's ROLLBACK after a failed statement or COMMIT. On SQLITE_FULL, SQLITE_IOERR and the like SQLite has
 * already rolled the transaction back itself, so a plain ROLLBACK fails with "cannot rollback - no transaction
 * is active", and Kysely throws that instead of the error that mattered. With no transaction open, the
 * rollback does nothing: the original error (SQLITE_FULL…) is what reaches the caller and the log.
 */
function rollbackIfOpen(
  sqlite: SqliteDatabase.Database,
  cached: (sql: string) => SqliteDatabase.Statement,
): SqliteStatement {
  return {
    reader: false,
    all: () => [],
    iterate: () => [][Symbol.iterator](),
    run: (parameters) =>
      sqlite.inTransaction ? cached('rollback').run(parameters) : { changes: 0, lastInsertRowid: 0 },
  };
}

/** Statements a PostgreSQL connection keeps prepared at most; past that, queries run unprepared. */
const NAMED_PER_CONNECTION = 256;

/** One name per SQL text, the same on every connection (each prepares it on first use). */
class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #refused = new Set<string>();

  for(text: string): string | undefined {
    if (this.#refused.has(text)) return undefined;
    let name = this.#names.get(text);
    if (name === undefined) {
      name = `dcs_${this.#names.size + 1}`;
      this.#names.set(text, name);
    }
    return name;
  }

  /** A statement whose prepared form failed as such (see nameStatements) runs unprepared from then on. */
  refuse(text: string): void {
    this.#refused.add(text);
  }
}

type PgQuery = (...args: unknown[]) => unknown;

/**
 * Kysely sends every query unnamed, so PostgreSQL parses and plans the listing's three statements on every
 * request. Naming a parameterised statement makes the connection prepare it once and only bind it afterwards.
 * A prepared SELECT * fails with "cached plan must not change result type" (0A000) once a migration from a
 * newer process adds a column: that statement is then no longer prepared, so the failure happens once.
 */
function nameStatements(client: { query: unknown }, names: StatementNames): void {
  const query = (client.query as PgQuery).bind(client);
  const named = new Set<string>();
  client.query = (...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || values.length === 0) {
      return query(...args);
    }
    const name = names.for(text);
    if (name === undefined || (!named.has(name) && named.size >= NAMED_PER_CONNECTION)) return query(...args);
    named.add(name);
    return (query({ name, text, values }) as Promise<unknown>).catch((error: unknown) => {
      if ((error as { code?: string }).code === '0A000') names.refuse(text);
      throw error;
    });
  };
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: MIGRATION_TABLE });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}
