import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { BackupRecord, BackupStatus } from '../core/backup-record.ts';
import type { Instance } from '../core/instance.ts';
import type {
  BackupPage,
  BackupQuery,
  BackupRepository,
  InstanceRepository,
  MetadataStore,
} from '../core/ports.ts';
import { type DatabaseLocation, openDatabase } from './open-database.ts';
import { backupToRow, instanceToRow, rowToBackup, rowToInstance } from './row-mapping.ts';
import type { Database } from './schema.ts';

// 15 columns × 500 rows stays well below SQLite's and PostgreSQL's limits on bound parameters.
const INSERT_BATCH = 500;

/** The metadata store over Kysely: one code path for SQLite and PostgreSQL. */
export class KyselyMetadataStore implements MetadataStore {
  readonly instances: InstanceRepository;
  readonly backups: BackupRepository;
  readonly #db: Kysely<Database>;

  private constructor(db: Kysely<Database>) {
    this.#db = db;
    this.instances = new KyselyInstanceRepository(db);
    this.backups = new KyselyBackupRepository(db);
  }

  static async open(location: DatabaseLocation): Promise<KyselyMetadataStore> {
    return new KyselyMetadataStore(await openDatabase(location));
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

class KyselyInstanceRepository implements InstanceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(instance: Instance): Promise<void> {
    await this.#db.insertInto('instances').values(instanceToRow(instance)).execute();
  }

  async findById(id: string): Promise<Instance | undefined> {
    const row = await this.#db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToInstance(row);
  }

  async list(projectId?: string): Promise<Instance[]> {
    let query = this.#db.selectFrom('instances').selectAll();
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(rowToInstance);
  }

  async delete(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('backups').where('instance_id', '=', id).execute();
      await tx.deleteFrom('instances').where('id', '=', id).execute();
    });
  }
}

class KyselyBackupRepository implements BackupRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(record: BackupRecord): Promise<void> {
    await this.insertMany([record]);
  }

  async insertMany(records: readonly BackupRecord[]): Promise<void> {
    const perInstance = new Map<string, number>();
    for (const record of records)
      perInstance.set(record.instanceId, (perInstance.get(record.instanceId) ?? 0) + 1);
    await this.#db.transaction().execute(async (tx) => {
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
    });
  }

  async list(query: BackupQuery): Promise<BackupPage> {
    const matching = this.#matching(query);
    const total = await this.#count(query, matching);
    if (total <= query.offset) return { total, records: [] };
    // Walks the (instance_id, created_at, id) index backwards; measured on both engines, this plain form beats
    // fetching the page's ids in a subquery first, including at deep offsets.
    const rows = await matching
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return { total, records: rows.map(rowToBackup) };
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

  /** Without filters the total is the instance's counter; with them, a count over the index range. */
  async #count(
    query: BackupQuery,
    matching: SelectQueryBuilder<Database, 'backups', object>,
  ): Promise<number> {
    const filtered =
      query.createdFrom !== undefined ||
      query.createdBefore !== undefined ||
      query.statuses !== undefined ||
      query.types !== undefined ||
      query.formats !== undefined;
    if (!filtered) {
      const row = await this.#db
        .selectFrom('instances')
        .select('backup_count')
        .where('id', '=', query.instanceId)
        .executeTakeFirst();
      return Number(row?.backup_count ?? 0);
    }
    const counted = await matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(counted.n);
  }

  #matching(query: BackupQuery): SelectQueryBuilder<Database, 'backups', object> {
    let q = this.#db.selectFrom('backups').where('instance_id', '=', query.instanceId);
    if (query.createdFrom !== undefined) q = q.where('created_at', '>=', query.createdFrom);
    if (query.createdBefore !== undefined) q = q.where('created_at', '<', query.createdBefore);
    if (query.statuses) q = q.where('status', 'in', [...query.statuses]);
    if (query.types) q = q.where('backup_type', 'in', [...query.types]);
    if (query.formats) q = q.where('backup_format', 'in', [...query.formats]);
    return q;
  }
}
