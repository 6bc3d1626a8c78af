import { type Kysely, sql, type Transaction } from 'kysely';
import type { BackupChange, ShardFile, StoredBackup } from '../core/backup-detail.ts';
import type { BackupRecord, BackupStatus } from '../core/backup-record.ts';
import type { Job } from '../core/job.ts';
import type { RetainedBackup } from '../core/retention.ts';
import type { BackupPage, BackupQuery, BackupRepository } from '../core/ports.ts';
import {
  ACTIVE_BACKUP_STATUSES,
  BACKUP_TRANSITIONS,
  checkTransition,
  endsJob,
} from '../core/record-states.ts';
import { BackupListingQueries, isFiltered } from './backup-listing-queries.ts';
import { finishRecordJob } from './finish-record-job.ts';
import { insertWithJob } from './insert-with-job.ts';
import { isUniqueViolation } from './unique-violation.ts';
import { backupToRow, changeToRow, jobToRow, rowToBackup, rowToDetail } from './row-mapping.ts';
import type { Database } from './schema.ts';

// 25 columns × 500 rows stays well below SQLite's and PostgreSQL's limits on bound parameters.
const INSERT_BATCH = 500;

export class KyselyBackupRepository implements BackupRepository {
  readonly #db: Kysely<Database>;
  readonly #listing: BackupListingQueries;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#listing = new BackupListingQueries(db);
  }

  async insert(record: BackupRecord): Promise<void> {
    await this.insertMany([record]);
  }

  async insertMany(records: readonly BackupRecord[]): Promise<void> {
    await this.#db.transaction().execute((tx) => insertBackups(tx, records));
  }

  async findById(id: string): Promise<StoredBackup | undefined> {
    const row = await this.#db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { record: rowToBackup(row), detail: rowToDetail(row) };
  }

  async update(id: string, change: BackupChange): Promise<void> {
    const row = changeToRow(change);
    if (Object.keys(row).length === 0) return;
    await this.#db.updateTable('backups').set(row).where('id', '=', id).execute();
  }

  async transition(
    id: string,
    from: readonly BackupStatus[],
    to: BackupStatus,
    change: BackupChange = {},
  ): Promise<boolean> {
    checkTransition(BACKUP_TRANSITIONS, from, to);
    const row = { ...changeToRow(change), status: to };
    const move = async (db: Kysely<Database>) => {
      const result = await db
        .updateTable('backups')
        .set(row)
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    };
    if (!endsJob(ACTIVE_BACKUP_STATUSES, from, to)) return move(this.#db);
    return this.#db.transaction().execute(async (tx) => {
      const moved = await move(tx);
      if (moved) await finishRecordJob(tx, 'backups', id, change.updatedAt);
      return moved;
    });
  }

  async insertQueued(record: BackupRecord, job: Job): Promise<void> {
    await insertWithJob(this.#db, job, (tx) => insertBackups(tx, [record]));
  }

  async fileKeys(instanceId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('backups')
      .select(['file_key', 'shard_files'])
      .where('instance_id', '=', instanceId)
      .where('file_key', 'is not', null)
      .execute();
    return rows.flatMap((row) => ownedKeys(row.file_key, row.shard_files));
  }

  async latestSucceededSize(instanceId: string): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('backups')
      .select('size_bytes')
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'succeed')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.size_bytes);
  }

  async insertScheduled(
    record: BackupRecord,
    job: Job | null,
    errorMessage: string | null = null,
  ): Promise<'inserted' | 'duplicate' | 'busy'> {
    try {
      await this.#db.transaction().execute(async (tx) => {
        // The record first: its window key tells a duplicate apart from a busy instance.
        await insertBackups(tx, [record]);
        if (errorMessage !== null) {
          await tx
            .updateTable('backups')
            .set({ error_message: errorMessage })
            .where('id', '=', record.id)
            .execute();
        }
        if (job) {
          try {
            await tx.insertInto('jobs').values(jobToRow(job)).execute();
          } catch (error) {
            if (isUniqueViolation(error)) throw new InstanceBusy();
            throw error;
          }
        }
      });
      return 'inserted';
    } catch (error) {
      if (error instanceof InstanceBusy) return 'busy';
      if (isUniqueViolation(error)) return 'duplicate';
      throw error;
    }
  }

  async retainedAutoBackups(instanceId: string): Promise<RetainedBackup[]> {
    const rows = await this.#db
      .selectFrom('backups')
      .select(['id', 'created_at'])
      .where('instance_id', '=', instanceId)
      .where('backup_type', '=', 'auto')
      .where('status', '=', 'succeed')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((row) => ({ id: row.id, createdAt: Number(row.created_at) }));
  }

  async setExpiries(expiries: ReadonlyMap<string, number | null>): Promise<void> {
    if (expiries.size === 0) return;
    // One statement, not one per record: on PostgreSQL every record's row is locked before the listing-version
    // triggers (which run at the statement's end) lock the instance's row, the order every single-record write
    // takes too; a transaction of several statements would hold the instance's row while waiting for a record's,
    // and deadlock with a write of that record waiting for the instance's.
    const entries = [...expiries];
    const value = sql<number | null>`CASE id ${sql.join(
      entries.map(([id, expiresAt]) => sql`WHEN ${id} THEN ${expiresAt === null ? null : String(expiresAt)}`),
      sql` `,
    )} END`;
    await this.#db
      .updateTable('backups')
      .set({ expires_at: sql`CAST(${value} AS BIGINT)` })
      .where(
        'id',
        'in',
        entries.map(([id]) => id),
      )
      .where('status', '=', 'succeed')
      .execute();
  }

  async dueForExpiry(now: number, limit: number): Promise<{ id: string; fileKeys: string[] }[]> {
    const rows = await this.#db
      .selectFrom('backups')
      .select(['id', 'file_key', 'shard_files'])
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .where('status', '=', 'succeed')
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, fileKeys: ownedKeys(row.file_key, row.shard_files) }));
  }

  async expire(id: string): Promise<boolean> {
    return this.transition(id, ['succeed'], 'expired', { restorable: false, fileKey: null, expiresAt: null });
  }

  async markFileMissing(id: string, reason: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('backups')
      .set({ restorable: 0, file_key: null, error_message: reason })
      .where('id', '=', id)
      .where('status', '=', 'succeed')
      .where('file_key', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async liveIds(ids: readonly string[], storeId?: string): Promise<Set<string>> {
    const live = new Set<string>();
    for (let start = 0; start < ids.length; start += INSERT_BATCH) {
      let query = this.#db
        .selectFrom('backups')
        .select('id')
        .where('id', 'in', ids.slice(start, start + INSERT_BATCH))
        .where('status', 'in', ['waiting', 'backuping', 'succeed']);
      if (storeId !== undefined) {
        query = query.where((eb) => eb.or([eb('store_id', '=', storeId), eb('store_id', 'is', null)]));
      }
      const rows = await query.execute();
      for (const row of rows) live.add(row.id);
    }
    return live;
  }

  async filesAfter(
    afterId: string,
    limit: number,
    storeId?: string,
  ): Promise<
    { id: string; fileKey: string; fileKeys: string[]; restorable: boolean; storeId: string | null }[]
  > {
    let query = this.#db
      .selectFrom('backups')
      .select(['id', 'file_key', 'restorable', 'store_id', 'shard_files'])
      .where('id', '>', afterId)
      .where('status', '=', 'succeed')
      .where('file_key', 'is not', null);
    if (storeId !== undefined) {
      query = query.where((eb) => eb.or([eb('store_id', '=', storeId), eb('store_id', 'is', null)]));
    }
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      fileKey: row.file_key!,
      fileKeys: ownedKeys(row.file_key, row.shard_files),
      restorable: row.restorable === 1,
      storeId: row.store_id,
    }));
  }

  async list(query: BackupQuery): Promise<BackupPage> {
    const filtered = isFiltered(query);
    const rows = await (filtered ? this.#listing.pageWithCount : this.#listing.pageWithCounter).rows(query);
    if (rows.length > 0) return { total: Number(rows[0]!.total ?? 0), records: rows.map(rowToBackup) };
    // An empty page carries no total: past the end, or nothing matches.
    if (!filtered) {
      const [row] = await this.#listing.counter.rows(query);
      return { total: Number(row?.backup_count ?? 0), records: [] };
    }
    const [counted] = await this.#listing.count.rows(query);
    return { total: Number(counted?.n ?? 0), records: [] };
  }

  async countByStatus(instanceId: string, statuses: readonly BackupStatus[]): Promise<number> {
    const row = await this.#db
      .selectFrom('backups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('instance_id', '=', instanceId)
      .where('status', 'in', [...statuses])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async lastSucceededAt(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('backups')
      .select(['instance_id', (eb) => eb.fn.max('created_at').as('at')])
      .where('status', '=', 'succeed')
      .groupBy('instance_id')
      .execute();
    return new Map(rows.map((row) => [row.instance_id, Number(row.at)]));
  }
}

/** Thrown inside a transaction to roll it back when the instance already has an unfinished job. */
class InstanceBusy extends Error {}

/** Inserts records and adds them to their instances' counters, inside the caller's transaction. */
async function insertBackups(tx: Transaction<Database>, records: readonly BackupRecord[]): Promise<void> {
  const perInstance = new Map<string, number>();
  for (const record of records)
    perInstance.set(record.instanceId, (perInstance.get(record.instanceId) ?? 0) + 1);
  for (let start = 0; start < records.length; start += INSERT_BATCH) {
    const rows = records.slice(start, start + INSERT_BATCH).map(backupToRow);
    await tx.insertInto('backups').values(rows).execute();
  }
  for (const [instanceId, added] of perInstance) {
    await tx
      .updateTable('instances')
      .set((eb) => ({ backup_count: eb('backup_count', '+', added) }))
      .where('id', '=', instanceId)
      .execute();
  }
}

/** The blobs a record owns: each shard's file for a cluster backup, else its one file. */
function ownedKeys(fileKey: string | null, shardFiles: string | null): string[] {
  if (fileKey === null) return [];
  if (shardFiles === null) return [fileKey];
  return (JSON.parse(shardFiles) as ShardFile[]).map((shard) => shard.fileKey);
}
