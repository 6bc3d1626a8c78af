import type { ClusterTopology } from '../cluster-topology.ts';
import { describeSlotRanges, uncoveredSlots } from '../cluster-topology.ts';
import { DomainError } from '../errors.ts';
import type { RedisEndpoint } from '../instance.ts';
import type { RedisProbe } from '../ports.ts';

/**
 * Discovers a cluster's shards from any one of its nodes. A cluster some of whose slots no master serves is
 * refused with the ranges named: a backup of it could not hold the keys of those slots.
 */
export async function discoverCluster(
  probe: RedisProbe,
  endpoint: RedisEndpoint,
  now: number,
): Promise<ClusterTopology> {
  const shards = await probe.shards(endpoint);
  const gaps = uncoveredSlots(shards);
  if (gaps.length > 0) {
    throw new DomainError(
      'slots_uncovered',
      `The cluster does not serve every hash slot: no master serves slots ${describeSlotRanges(gaps)}.`,
    );
  }
  return { shards, discoveredAt: now };
}
