import type { Kysely, Selectable } from 'kysely';
import type { RecordErrorCode } from '../core/backup-record.ts';
import type { Job } from '../core/job.ts';
import type { RestorePage, RestoreQuery, RestoreRepository } from '../core/ports.ts';
import type {
  RestoreChange,
  RestoreOutcome,
  RestoreRecord,
  RestoreStatus,
  StoredRestore,
} from '../core/restore-record.ts';
import {
  ACTIVE_RESTORE_STATUSES,
  checkTransition,
  endsJob,
  RESTORE_TRANSITIONS,
} from '../core/record-states.ts';
import { finishRecordJob } from './finish-record-job.ts';
import { insertWithJob } from './insert-with-job.ts';
import { RestoreListingQueries } from './restore-listing-queries.ts';
import type { Database, RestoresTable } from './schema.ts';

export class KyselyRestoreRepository implements RestoreRepository {
  readonly #db: Kysely<Database>;
  readonly #listing: RestoreListingQueries;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#listing = new RestoreListingQueries(db);
  }

  async insertQueued(stored: StoredRestore, job: Job): Promise<void> {
    await insertWithJob(this.#db, job, async (tx) => {
      await tx.insertInto('restores').values(toRow(stored)).execute();
    });
  }

  async findById(id: string): Promise<StoredRestore | undefined> {
    const row = await this.#db.selectFrom('restores').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async update(id: string, change: RestoreChange): Promise<void> {
    const row = changeToRow(change);
    if (Object.keys(row).length === 0) return;
    await this.#db.updateTable('restores').set(row).where('id', '=', id).execute();
  }

  async transition(
    id: string,
    from: readonly RestoreStatus[],
    to: RestoreStatus,
    change: RestoreChange = {},
  ): Promise<boolean> {
    checkTransition(RESTORE_TRANSITIONS, from, to);
    const row = { ...changeToRow(change), status: to };
    const move = async (db: Kysely<Database>) => {
      const result = await db
        .updateTable('restores')
        .set(row)
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    };
    if (!endsJob(ACTIVE_RESTORE_STATUSES, from, to)) return move(this.#db);
    return this.#db.transaction().execute(async (tx) => {
      const moved = await move(tx);
      if (moved) await finishRecordJob(tx, 'restores', id, change.updatedAt);
      return moved;
    });
  }

  async list(query: RestoreQuery): Promise<RestorePage> {
    const rows = await this.#listing.pageWithCount.rows(query);
    if (rows.length > 0) {
      return { total: Number(rows[0]!.total), records: rows.map((row) => fromRow(row).record) };
    }
    // An empty page carries no total: past the end, or nothing matches.
    const [counted] = await this.#listing.count.rows(query);
    return { total: Number(counted?.n ?? 0), records: [] };
  }
}

function changeToRow(change: RestoreChange): Partial<RestoresTable> {
  const row: Partial<RestoresTable> = {};
  if (change.progressHundredths !== undefined) row.progress = change.progressHundredths;
  if (change.errorCode !== undefined) row.error_code = change.errorCode;
  if (change.updatedAt !== undefined) row.updated_at = change.updatedAt;
  if (change.errorMessage !== undefined) row.error_message = change.errorMessage;
  if (change.startedAt !== undefined) row.started_at = change.startedAt;
  if (change.report !== undefined) row.report = change.report === null ? null : JSON.stringify(change.report);
  return row;
}

function toRow(stored: StoredRestore): RestoresTable {
  const { record, detail } = stored;
  return {
    id: record.id,
    instance_id: record.instanceId,
    source_instance_id: detail.sourceInstanceId,
    backup_id: record.backupId,
    backup_name: record.backupName,
    backup_remark: record.backupRemark,
    name: record.name,
    remark: record.remark,
    status: record.status,
    progress: record.progressHundredths,
    error_code: record.errorCode,
    error_message: detail.errorMessage,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    started_at: detail.startedAt,
    report: detail.report === null ? null : JSON.stringify(detail.report),
    into_standalone: detail.intoStandalone ? 1 : 0,
  };
}

// Rows are only ever written by toRow and update, so the casts restore the types they were written with.
function fromRow(row: Selectable<RestoresTable>): StoredRestore {
  const record: RestoreRecord = {
    id: row.id,
    instanceId: row.instance_id,
    backupId: row.backup_id,
    backupName: row.backup_name,
    backupRemark: row.backup_remark,
    name: row.name,
    remark: row.remark,
    status: row.status as RestoreStatus,
    progressHundredths: row.progress,
    errorCode: row.error_code as RecordErrorCode | null,
    createdAt: Number(row.created_at),
    updatedAt: row.updated_at === null ? null : Number(row.updated_at),
  };
  return {
    record,
    detail: {
      sourceInstanceId: row.source_instance_id,
      errorMessage: row.error_message,
      startedAt: row.started_at === null ? null : Number(row.started_at),
      report: row.report === null ? null : (JSON.parse(row.report) as RestoreOutcome),
      intoStandalone: Number(row.into_standalone) === 1,
    },
  };
}
