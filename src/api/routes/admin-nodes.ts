import type { FastifyInstance } from 'fastify';
import { type ListedNode, nodeState } from '../../core/service-node.ts';
import type { AppDeps } from '../app-deps.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A node as the admin API shows it: alive means not stopped and heard from within three heartbeats. */
function nodeToWire(node: ListedNode, now: number) {
  const state = nodeState(node, now);
  return {
    node_id: node.id,
    host_name: node.hostName,
    pid: node.pid,
    url: node.url,
    store_id: node.storeId,
    version: node.version,
    started_at: iso(node.startedAt),
    heartbeat_at: iso(node.heartbeatAt),
    heartbeat_interval_ms: node.heartbeatMs,
    stopped_at: iso(node.stoppedAt),
    state,
    alive: state === 'alive',
    running_jobs: node.runningJobIds.length,
    running_job_ids: node.runningJobIds,
  };
}

/** The service processes sharing this metadata database (admins only, as everything under /admin). */
export function registerAdminNodeRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/admin/v1/nodes', async () => {
    const nodes = await deps.store.nodes.list();
    const now = deps.clock.now();
    return { node_num: nodes.length, nodes: nodes.map((node) => nodeToWire(node, now)) };
  });
}
