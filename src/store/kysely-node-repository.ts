import type { Kysely, Selectable } from 'kysely';
import type { NodeRepository } from '../core/ports.ts';
import type { ListedNode, ServiceNode } from '../core/service-node.ts';
import type { Database, NodesTable } from './schema.ts';

/** How long a node that stopped or went silent stays listed. */
export const FORGET_AFTER_MS = 7 * 86_400_000;

/** The node registry: one row per service process that ever started on this database. */
export class KyselyNodeRepository implements NodeRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async register(node: ServiceNode): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('nodes').where('id', '=', node.id).execute();
      // Each start adds a row: those not heard from for a week go, so the registry does not grow forever.
      await tx
        .deleteFrom('nodes')
        .where('heartbeat_at', '<', node.heartbeatAt - FORGET_AFTER_MS)
        .execute();
      await tx.insertInto('nodes').values(nodeToRow(node)).execute();
    });
  }

  async heartbeat(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('nodes')
      .set({ heartbeat_at: now })
      .where('id', '=', id)
      .where('stopped_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markStopped(id: string, now: number): Promise<void> {
    await this.#db
      .updateTable('nodes')
      .set({ stopped_at: now, heartbeat_at: now })
      .where('id', '=', id)
      .execute();
  }

  async list(): Promise<ListedNode[]> {
    const rows = await this.#db
      .selectFrom('nodes')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .execute();
    const running = await this.#db
      .selectFrom('jobs')
      .select(['id', 'owner'])
      .where('state', '=', 'running')
      .where('owner', 'is not', null)
      .orderBy('created_at')
      .execute();
    const byOwner = new Map<string, string[]>();
    for (const job of running) {
      const held = byOwner.get(job.owner!) ?? [];
      held.push(job.id);
      byOwner.set(job.owner!, held);
    }
    return rows.map((row) => ({ ...rowToNode(row), runningJobIds: byOwner.get(row.id) ?? [] }));
  }

  async overStore(storeId: string): Promise<ServiceNode[]> {
    const rows = await this.#db
      .selectFrom('nodes')
      .selectAll()
      .where('store_id', '=', storeId)
      .orderBy('heartbeat_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(rowToNode);
  }
}

function nodeToRow(node: ServiceNode): NodesTable {
  return {
    id: node.id,
    host_name: node.hostName,
    pid: node.pid,
    url: node.url,
    store_id: node.storeId,
    version: node.version,
    started_at: node.startedAt,
    heartbeat_at: node.heartbeatAt,
    heartbeat_ms: node.heartbeatMs,
    stopped_at: node.stoppedAt,
  };
}

function rowToNode(row: Selectable<NodesTable>): ServiceNode {
  return {
    id: row.id,
    hostName: row.host_name,
    pid: Number(row.pid),
    url: row.url,
    storeId: row.store_id,
    version: row.version,
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
    heartbeatMs: Number(row.heartbeat_ms),
    stoppedAt: row.stopped_at === null ? null : Number(row.stopped_at),
  };
}
