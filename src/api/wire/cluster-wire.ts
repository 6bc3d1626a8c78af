import type { ClusterNode, ClusterTopology } from '../../core/cluster-topology.ts';
import { describeSlotRanges, slotCount } from '../../core/cluster-topology.ts';
import { formatIsoUtc } from '../../core/time-format.ts';

/**
 * A cluster instance's shards as the instance views show them: DCS's sharding_count, and (an extension) each
 * shard's slot ranges, master and replicas as last discovered.
 */
export function clusterToWire(topology: ClusterTopology | null) {
  if (topology === null) return {};
  return {
    sharding_count: topology.shards.length,
    topology_discovered_at: formatIsoUtc(topology.discoveredAt),
    shards: topology.shards.map((shard, index) => ({
      shard_index: index,
      slots: describeSlotRanges(shard.slots),
      slot_count: slotCount(shard),
      master: nodeToWire(shard.master),
      replicas: shard.replicas.map(nodeToWire),
    })),
  };
}

function nodeToWire(node: ClusterNode) {
  return { node_id: node.id, ip: node.host, port: node.port, healthy: node.healthy };
}

const nodeSchema = {
  type: 'object',
  properties: {
    node_id: { type: 'string' },
    ip: { type: 'string' },
    port: { type: 'integer' },
    healthy: { type: 'boolean' },
  },
} as const;

export const clusterWireProperties = {
  sharding_count: { type: 'integer' },
  topology_discovered_at: { type: 'string' },
  shards: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        shard_index: { type: 'integer' },
        slots: { type: 'string' },
        slot_count: { type: 'integer' },
        master: nodeSchema,
        replicas: { type: 'array', items: nodeSchema },
      },
    },
  },
} as const;
