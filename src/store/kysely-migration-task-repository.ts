import type { Kysely, Selectable } from 'kysely';
import type { Job } from '../core/job.ts';
import {
  ACTIVE_MIGRATION_STATUSES,
  type FileSource,
  type MigrationChange,
  type MigrationStatus,
  type MigrationTask,
} from '../core/migration-task.ts';
import type { MigrationTaskRepository } from '../core/ports.ts';
import { endsJob } from '../core/record-states.ts';
import { finishRecordJob } from './finish-record-job.ts';
import { insertWithJob } from './insert-with-job.ts';
import type { Database, MigrationTasksTable } from './schema.ts';

export class KyselyMigrationTaskRepository implements MigrationTaskRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insertQueued(task: MigrationTask, job: Job): Promise<void> {
    await insertWithJob(this.#db, job, async (tx) => {
      await tx.insertInto('migration_tasks').values(toRow(task)).execute();
    });
  }

  async findById(id: string): Promise<MigrationTask | undefined> {
    const row = await this.#db
      .selectFrom('migration_tasks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(
    projectId: string,
    page: { offset: number; limit: number; name?: string },
  ): Promise<{ total: number; tasks: MigrationTask[] }> {
    let matching = this.#db.selectFrom('migration_tasks').where('project_id', '=', projectId);
    if (page.name !== undefined) matching = matching.where('name', '=', page.name);
    const counted = await matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const total = Number(counted.n);
    if (total <= page.offset) return { total, tasks: [] };
    const rows = await matching
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { total, tasks: rows.map(fromRow) };
  }

  async transition(
    id: string,
    from: readonly MigrationStatus[],
    to: MigrationStatus,
    change: MigrationChange = {},
  ): Promise<boolean> {
    const row: Partial<MigrationTasksTable> = { status: to };
    if (change.errorMessage !== undefined) row.error_message = change.errorMessage;
    if (change.report !== undefined) row.report = change.report && JSON.stringify(change.report);
    if (change.updatedAt !== undefined) row.updated_at = change.updatedAt;
    const move = async (db: Kysely<Database>) => {
      const result = await db
        .updateTable('migration_tasks')
        .set(row)
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    };
    if (!endsJob(ACTIVE_MIGRATION_STATUSES, from, to)) return move(this.#db);
    return this.#db.transaction().execute(async (tx) => {
      const moved = await move(tx);
      if (moved) await finishRecordJob(tx, 'migration_tasks', id, change.updatedAt);
      return moved;
    });
  }

  async removeFinished(projectId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .deleteFrom('migration_tasks')
      .where('project_id', '=', projectId)
      .where('id', 'in', [...ids])
      .where('status', 'not in', [...ACTIVE_MIGRATION_STATUSES])
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }
}

function toRow(task: MigrationTask): MigrationTasksTable {
  return {
    id: task.id,
    project_id: task.projectId,
    instance_id: task.targetInstanceId,
    name: task.name,
    description: task.description,
    status: task.status,
    file_source: task.fileSource,
    bucket_name: task.bucketName,
    files: JSON.stringify(task.files),
    backup_id: task.backupId,
    error_message: task.errorMessage,
    report: task.report && JSON.stringify(task.report),
    created_at: task.createdAt,
    updated_at: task.updatedAt,
  };
}

function fromRow(row: Selectable<MigrationTasksTable>): MigrationTask {
  return {
    id: row.id,
    projectId: row.project_id,
    targetInstanceId: row.instance_id,
    name: row.name,
    description: row.description,
    status: row.status as MigrationStatus,
    fileSource: row.file_source as FileSource,
    bucketName: row.bucket_name,
    files: JSON.parse(row.files) as MigrationTask['files'],
    backupId: row.backup_id,
    errorMessage: row.error_message,
    report: row.report === null ? null : (JSON.parse(row.report) as MigrationTask['report']),
    createdAt: Number(row.created_at),
    updatedAt: row.updated_at === null ? null : Number(row.updated_at),
  };
}
