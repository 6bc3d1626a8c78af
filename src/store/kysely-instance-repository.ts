import { type CompiledQuery, type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely';
import type { SecretBox } from '../core/auth/secret-box.ts';
import type { ClusterTopology } from '../core/cluster-topology.ts';
import type { Instance } from '../core/instance.ts';
import type { InstanceRepository } from '../core/ports.ts';
import { CoalescedReads } from './coalesced-reads.ts';
import { instanceToRow, rowToInstance } from './row-mapping.ts';
import type { Database, InstancesTable } from './schema.ts';

type VersionRow = { project_id: string; listing_version: number | string };
type ListingVersion = { projectId: string; version: string };

export class KyselyInstanceRepository implements InstanceRepository {
  readonly #db: Kysely<Database>;
  readonly #secrets: SecretBox;
  #versionQuery?: CompiledQuery<VersionRow>;
  readonly #coalescedVersions?: CoalescedReads<ListingVersion>;

  constructor(db: Kysely<Database>, secrets: SecretBox) {
    this.#db = db;
    this.#secrets = secrets;
    // Concurrent listing versions go as one query on PostgreSQL, where each query is a round trip and the
    // driver's work per query is most of a cached listing's cost. SQLite answers in the calling thread.
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      this.#coalescedVersions = new CoalescedReads((ids) => this.#versions(ids));
    }
  }

  async insert(instance: Instance): Promise<void> {
    const row = instanceToRow(instance);
    // The Redis password is sealed at rest with the master key.
    if (row.password) row.password = this.#secrets.seal(row.password);
    if (row.sentinel_password) row.sentinel_password = this.#secrets.seal(row.sentinel_password);
    await this.#db.insertInto('instances').values(row).execute();
  }

  async findById(id: string): Promise<Instance | undefined> {
    const row = await this.#db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.#toInstance(row);
  }

  async listingVersion(id: string): Promise<ListingVersion | undefined> {
    if (this.#coalescedVersions) return this.#coalescedVersions.read(id);
    // Built once: on a cached listing this read is the request's only query, and building it each time cost
    // about as much as running it. Only the parameter changes.
    this.#versionQuery ??= this.#db
      .selectFrom('instances')
      .select(['project_id', 'listing_version'])
      .where('id', '=', '')
      .compile();
    const { rows } = await this.#db.executeQuery<VersionRow>({ ...this.#versionQuery, parameters: [id] });
    const row = rows[0];
    return row && { projectId: row.project_id, version: String(row.listing_version) };
  }

  /** Many instances' versions in one statement (PostgreSQL: the ids go as one array parameter). */
  async #versions(ids: string[]): Promise<Map<string, ListingVersion>> {
    const { rows } = await sql<VersionRow & { id: string }>`
      select id, project_id, listing_version from instances where id = any(${ids})`.execute(this.#db);
    return new Map(
      rows.map((row) => [row.id, { projectId: row.project_id, version: String(row.listing_version) }]),
    );
  }

  #toInstance(row: Selectable<InstancesTable>): Instance {
    return rowToInstance({
      ...row,
      password: row.password === null ? null : this.#secrets.open(row.password),
      sentinel_password: row.sentinel_password === null ? null : this.#secrets.open(row.sentinel_password),
    });
  }

  async list(projectId?: string): Promise<Instance[]> {
    let query = this.#db.selectFrom('instances').selectAll();
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => this.#toInstance(row));
  }

  async setTopology(id: string, topology: ClusterTopology | null): Promise<void> {
    await this.#db
      .updateTable('instances')
      .set({ topology: topology === null ? null : JSON.stringify(topology) })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('backups').where('instance_id', '=', id).execute();
      await tx.deleteFrom('jobs').where('instance_id', '=', id).execute();
      await tx.deleteFrom('backup_policies').where('instance_id', '=', id).execute();
      await tx.deleteFrom('restores').where('instance_id', '=', id).execute();
      await tx.deleteFrom('instances').where('id', '=', id).execute();
    });
  }
}
