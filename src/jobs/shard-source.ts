import type { ClusterNode, ClusterShard, ClusterTopology } from '../core/cluster-topology.ts';
import type { RedisEndpoint } from '../core/instance.ts';
import type { RedisProbe } from '../core/ports.ts';
import { discoverCluster } from '../core/use-cases/discover-cluster.ts';
import { DomainError } from '../core/errors.ts';

/** The node a shard's file is synced from. */
export interface ShardSource {
  node: ClusterNode;
  role: 'master' | 'replica';
  /** used_memory the node reported, for a first estimate of the file's size. */
  usedMemoryBytes: number | null;
}

/** A node of the cluster reached with the instance's credentials and TLS setting (clusters have db 0 only). */
export function nodeEndpoint(instance: RedisEndpoint, node: ClusterNode): RedisEndpoint {
  return { ...instance, host: node.host, port: node.port, db: 0 };
}

/**
 * Where a shard is read from: a replica in step with its master (master_link_status:up) when there is one,
 * which keeps the load of the snapshot off the master, as DCS does; else the master.
 */
export async function chooseShardSource(
  probe: RedisProbe,
  endpoint: RedisEndpoint,
  shard: ClusterShard,
): Promise<ShardSource> {
  for (const replica of shard.replicas.filter((node) => node.healthy)) {
    const info = await probe.probe(nodeEndpoint(endpoint, replica)).catch(() => undefined);
    if (info?.masterLinkUp === true) {
      return { node: replica, role: 'replica', usedMemoryBytes: info.usedMemoryBytes };
    }
  }
  const info = await probe.probe(nodeEndpoint(endpoint, shard.master)).catch(() => undefined);
  return { node: shard.master, role: 'master', usedMemoryBytes: info?.usedMemoryBytes ?? null };
}

/**
 * The cluster's topology now, read from the node the instance was attached by or, when that one does not
 * answer, from any node last seen. Uncovered slots throw DomainError slots_uncovered naming them.
 */
export async function refreshTopology(
  probe: RedisProbe,
  endpoint: RedisEndpoint,
  known: ClusterTopology | null,
  now: number,
): Promise<ClusterTopology> {
  const seeds = [
    endpoint,
    ...(known?.shards ?? [])
      .flatMap((shard) => [shard.master, ...shard.replicas])
      .map((node) => nodeEndpoint(endpoint, node)),
  ];
  let lastError: unknown;
  for (const seed of seeds) {
    try {
      return await discoverCluster(probe, seed, now);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'slots_uncovered') throw error;
      lastError = error;
    }
  }
  throw lastError;
}
