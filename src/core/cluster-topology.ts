/** How many hash slots a Redis Cluster has: every key belongs to exactly one. */
export const CLUSTER_SLOT_COUNT = 16384;

/** Inclusive first and last slot. */
export type SlotRange = readonly [number, number];

export interface ClusterNode {
  /** The node id the cluster gave it (40 hex characters). */
  id: string;
  host: string;
  port: number;
  /** What the cluster says of the node (CLUSTER SHARDS' health); true when CLUSTER SLOTS lists it. */
  healthy: boolean;
}

export interface ClusterShard {
  /** Ascending, non-overlapping. */
  slots: SlotRange[];
  master: ClusterNode;
  replicas: ClusterNode[];
}

/** A cluster's shards as discovered from one of its nodes, ordered by their first slot. */
export interface ClusterTopology {
  shards: ClusterShard[];
  discoveredAt: number;
}

/** Shards in a stable order: by their first slot; a shard's position in it is its number (from 0). */
export function orderShards(shards: readonly ClusterShard[]): ClusterShard[] {
  return shards
    .filter((shard) => shard.slots.length > 0)
    .map((shard) => ({ ...shard, slots: [...shard.slots].sort((a, b) => a[0] - b[0]) }))
    .sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);
}

/** The slot ranges no shard serves, ascending; empty when the cluster covers every slot. */
export function uncoveredSlots(shards: readonly ClusterShard[]): SlotRange[] {
  const ranges = shards.flatMap((shard) => shard.slots).sort((a, b) => a[0] - b[0]);
  const gaps: SlotRange[] = [];
  let next = 0;
  for (const [first, last] of ranges) {
    if (first > next) gaps.push([next, first - 1]);
    next = Math.max(next, last + 1);
  }
  if (next < CLUSTER_SLOT_COUNT) gaps.push([next, CLUSTER_SLOT_COUNT - 1]);
  return gaps;
}

/** "0-5460, 10923-16383" ("7" for a single slot): how ranges show in messages and files. */
export function describeSlotRanges(ranges: readonly SlotRange[]): string {
  return ranges.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`)).join(', ');
}

/** The first and last slot a shard serves, for names. */
export function slotSpan(shard: ClusterShard): SlotRange {
  return [shard.slots[0]![0], shard.slots[shard.slots.length - 1]![1]];
}

/** How many slots the shard serves. */
export function slotCount(shard: ClusterShard): number {
  return shard.slots.reduce((sum, [first, last]) => sum + last - first + 1, 0);
}
