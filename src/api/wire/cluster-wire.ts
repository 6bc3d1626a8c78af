import Type from 'typebox';
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

const nodeSchema = Type.Object({
  node_id: Type.String(),
  ip: Type.String(),
  port: Type.Integer(),
  healthy: Type.Boolean(),
});

/** Present only on cluster instances. */
export const clusterWireProperties = {
  sharding_count: Type.Optional(Type.Integer()),
  topology_discovered_at: Type.Optional(Type.String({ format: 'date-time' })),
  shards: Type.Optional(
    Type.Array(
      Type.Object({
        shard_index: Type.Integer(),
        slots: Type.String({ description: 'slot ranges, as 0-5460' }),
        slot_count: Type.Integer(),
        master: nodeSchema,
        replicas: Type.Array(nodeSchema),
      }),
    ),
  ),
};
