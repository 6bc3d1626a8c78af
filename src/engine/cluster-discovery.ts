import type { ClusterNode, ClusterShard, SlotRange } from '../core/cluster-topology.ts';
import { orderShards } from '../core/cluster-topology.ts';
import type { RedisEndpoint } from '../core/instance.ts';
import { RedisWireError } from './resp/redis-wire-error.ts';
import type { RespConnection, RespReply } from './resp/resp-connection.ts';

/**
 * Reads a cluster's shards from one of its nodes: CLUSTER SHARDS (Redis 7 and Valkey), or CLUSTER SLOTS where
 * that is unknown (Redis 6). A node that reports an empty address means "the address you reached me at".
 */
export async function readClusterShards(
  connection: RespConnection,
  reached: RedisEndpoint,
): Promise<ClusterShard[]> {
  const shards = await connection.call('CLUSTER', 'SHARDS');
  if (shards.type === 'array') return orderShards(fromShards(shards.value, reached));
  const slots = await connection.call('CLUSTER', 'SLOTS');
  if (slots.type === 'array') return orderShards(fromSlots(slots.value, reached));
  const why = slots.type === 'error' ? slots.value : 'unexpected reply';
  throw new RedisWireError('refused', `cannot read the cluster's shards (CLUSTER SHARDS/SLOTS): ${why}`);
}

/** CLUSTER SHARDS: one entry per shard, a flat name/value list with "slots" and "nodes". */
function fromShards(entries: RespReply[], reached: RedisEndpoint): ClusterShard[] {
  const shards: ClusterShard[] = [];
  for (const entry of entries) {
    const fields = asMap(entry);
    const bounds = numbers(fields.get('slots'));
    const slots: SlotRange[] = [];
    for (let i = 0; i + 1 < bounds.length; i += 2) slots.push([bounds[i]!, bounds[i + 1]!]);
    let master: ClusterNode | undefined;
    const replicas: ClusterNode[] = [];
    const nodes = fields.get('nodes');
    for (const item of nodes?.type === 'array' ? nodes.value : []) {
      const node = asMap(item);
      // A node may listen both in clear and with TLS: reach it the way the instance is reached.
      const tlsPort = text(node.get('tls-port'));
      const port = (reached.tls && tlsPort) || text(node.get('port')) || tlsPort;
      const described: ClusterNode = {
        id: text(node.get('id')),
        host: text(node.get('ip')) || text(node.get('endpoint')) || reached.host,
        port: Number(port) || reached.port,
        healthy: text(node.get('health')) === 'online',
      };
      if (text(node.get('role')) === 'master') master = described;
      else replicas.push(described);
    }
    // A shard without a master serves nothing; its slots show as uncovered.
    if (master && slots.length > 0) shards.push({ slots, master, replicas });
  }
  return shards;
}

/** CLUSTER SLOTS: one entry per slot range: first, last, master [ip, port, id], replicas... */
function fromSlots(entries: RespReply[], reached: RedisEndpoint): ClusterShard[] {
  const byMaster = new Map<string, ClusterShard>();
  for (const entry of entries) {
    if (entry.type !== 'array' || entry.value.length < 3) continue;
    const [first, last, ...nodes] = entry.value;
    const described = nodes.map((node) => slotsNode(node, reached));
    const master = described[0]!;
    const key = master.id || `${master.host}:${master.port}`;
    const shard = byMaster.get(key) ?? { slots: [], master, replicas: described.slice(1) };
    shard.slots.push([Number(first!.value), Number(last!.value)]);
    byMaster.set(key, shard);
  }
  return [...byMaster.values()];
}

function slotsNode(node: RespReply, reached: RedisEndpoint): ClusterNode {
  const parts = node.type === 'array' ? node.value : [];
  return {
    host: text(parts[0]) || reached.host,
    port: Number(text(parts[1])) || reached.port,
    id: text(parts[2]),
    healthy: true,
  };
}

function asMap(reply: RespReply): Map<string, RespReply> {
  const map = new Map<string, RespReply>();
  if (reply.type !== 'array') return map;
  for (let i = 0; i + 1 < reply.value.length; i += 2) map.set(text(reply.value[i]), reply.value[i + 1]!);
  return map;
}

function numbers(reply: RespReply | undefined): number[] {
  return reply?.type === 'array' ? reply.value.map((item) => Number(item.value)) : [];
}

function text(reply: RespReply | undefined): string {
  if (!reply || reply.value === null || typeof reply.value === 'object') return '';
  return String(reply.value);
}
