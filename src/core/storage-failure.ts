/**
 * Storage that cannot take a write: a full disk or a read-only file system or database. Recognised by the
 * codes the layers below attach to their errors (Node's errno, better-sqlite3's SQLite code, PostgreSQL's
 * SQLSTATE), looking through `cause` chains, so that callers can answer and record it in words instead of as
 * an unexpected failure.
 */
export type StorageFailureKind = 'full' | 'read_only';

export interface StorageFailure {
  kind: StorageFailureKind;
  /** The underlying code, e.g. SQLITE_FULL, ENOSPC, SQLITE_READONLY, EROFS, 53100. */
  code: string;
}

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);
// 25006: read_only_sql_transaction (a PostgreSQL standby or a read-only default_transaction_read_only).
const READ_ONLY = new Set(['EROFS', 'SQLITE_READONLY', '25006']);

export function storageFailureOf(error: unknown): StorageFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (FULL.has(code)) return { kind: 'full', code };
      // SQLite extends the code: SQLITE_READONLY_DBMOVED, SQLITE_READONLY_RECOVERY…
      if (READ_ONLY.has(code) || code.startsWith('SQLITE_READONLY_')) return { kind: 'read_only', code };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The failure in words for a record's reason, or undefined when the error is not a storage failure. */
export function describeStorageFailure(error: unknown): string | undefined {
  const failure = storageFailureOf(error);
  if (!failure) return undefined;
  return failure.kind === 'full'
    ? `the storage is full (${failure.code}): no space left to write`
    : `the storage is read-only (${failure.code})`;
}
