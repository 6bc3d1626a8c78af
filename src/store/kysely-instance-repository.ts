import { type Kysely, PostgresAdapter, type Selectable, sql } from 'kysely';
import type { SecretBox } from '../core/auth/secret-box.ts';
import type { ClusterTopology } from '../core/cluster-topology.ts';
import type { Instance } from '../core/instance.ts';
import type { InstanceRepository } from '../core/ports.ts';
import { CoalescedReads } from './coalesced-reads.ts';
import { instanceToRow, rowToInstance } from './row-mapping.ts';
import type { Database, InstancesTable } from './schema.ts';

type VersionRow = { id: string; project_id: string; listing_version: number | string };
type ListingVersion = { projectId: string; version: string };

export class KyselyInstanceRepository implements InstanceRepository {
  readonly #db: Kysely<Database>;
  readonly #secrets: SecretBox;
  readonly #postgres: boolean;
  readonly #coalescedVersions: CoalescedReads<ListingVersion>;

  constructor(db: Kysely<Database>, secrets: SecretBox) {
    this.#db = db;
    this.#secrets = secrets;
    this.#postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    // The listing version is a cached listing's only query, so concurrent ones go as one statement. On
    // PostgreSQL each query is a round trip and the driver's work per query, and reads asked meanwhile
    // gather behind the one running. SQLite answers in the calling thread, so nothing would be running: the
    // reads of one turn of the event loop are gathered instead (a statement's fixed cost, starting its read
    // transaction, is most of a point read's; in the service it took 16 % of a cached listing's CPU).
    this.#coalescedVersions = new CoalescedReads((ids) => this.#versions(ids), {
      gather: this.#postgres ? 'now' : 'turn',
    });
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

  listingVersion(id: string): Promise<ListingVersion | undefined> {
    return this.#coalescedVersions.read(id);
  }

  /** Many instances' versions in one statement: the ids go as one parameter (an array; a JSON array on SQLite). */
  async #versions(ids: string[]): Promise<Map<string, ListingVersion>> {
    const { rows } = await (
      this.#postgres
        ? sql<VersionRow>`select id, project_id, listing_version from instances where id = any(${ids})`
        : sql<VersionRow>`select id, project_id, listing_version from instances
            where id in (select value from json_each(${JSON.stringify(ids)}))`
    ).execute(this.#db);
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
