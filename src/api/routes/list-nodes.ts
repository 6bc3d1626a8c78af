import Type from 'typebox';
import { type ListedNode, nodeState } from '../../core/service-node.ts';
import { defineOperation } from '../operations/operation.ts';
import { nullable, stringEnum } from '../wire/schema-kit.ts';

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

const nodeWireSchema = Type.Object(
  {
    node_id: Type.String(),
    host_name: Type.String(),
    pid: Type.Integer(),
    url: Type.String(),
    store_id: Type.String(),
    version: Type.String(),
    started_at: nullable(Type.String({ format: 'date-time' })),
    heartbeat_at: nullable(Type.String({ format: 'date-time' })),
    heartbeat_interval_ms: Type.Integer(),
    stopped_at: nullable(Type.String({ format: 'date-time' })),
    state: stringEnum(['alive', 'stopped', 'silent']),
    alive: Type.Boolean(),
    running_jobs: Type.Integer(),
    running_job_ids: Type.Array(Type.String()),
  },
  { title: 'ServiceNode' },
);

/** The service processes sharing this metadata database. */
export const ListNodes = defineOperation({
  id: 'ListNodes',
  method: 'GET',
  path: '/admin/v1/nodes',
  access: 'admin',
  summary: 'The service processes sharing the metadata database, alive or not, with their running jobs',
  coverage: {
    family: 'service',
    status: 'admin only: the processes sharing the database, alive or not, with their running jobs',
  },
  schemas: {
    responses: { 200: Type.Object({ node_num: Type.Integer(), nodes: Type.Array(nodeWireSchema) }) },
  },
  errors: [],
  async handle(_request, _reply, deps) {
    const nodes = await deps.store.nodes.list();
    const now = deps.clock.now();
    return { node_num: nodes.length, nodes: nodes.map((node) => nodeToWire(node, now)) };
  },
});
