import type { Clock } from '../core/clock.ts';
import type { Instance } from '../core/instance.ts';
import type { RedisProbe } from '../core/ports.ts';
import type { RoutedTarget } from '../engine/restore/cluster-restore.ts';
import { locateMaster } from '../engine/topology/locate-master.ts';
import { nodeEndpoint, refreshTopology } from './shard-source.ts';

/**
 * Where a restore writes: the masters of a cluster now (its topology read again, every slot covered), each with
 * its slots; else the current master: the one the Sentinels name now (a failover since the attach is followed),
 * or the master a replica attached as master/standby follows, or the server attached.
 */
export async function restoreTargets(
  deps: { probe: RedisProbe; clock: Clock },
  target: Instance,
): Promise<RoutedTarget[]> {
  if (target.type === 'cluster') {
    const topology = await refreshTopology(deps.probe, target.endpoint, target.topology, deps.clock.now());
    return topology.shards.map((shard) => ({
      endpoint: nodeEndpoint(target.endpoint, shard.master),
      slots: [...shard.slots],
    }));
  }
  const endpoint =
    target.sentinel || target.type === 'master_standby'
      ? (await locateMaster(target)).endpoint
      : target.endpoint;
  return [{ endpoint, slots: null }];
}
