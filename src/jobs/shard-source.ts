import {
  describeSlotRanges,
  type ClusterNode,
  type ClusterShard,
  type ClusterTopology,
} from '../core/cluster-topology.ts';
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

/** How often, and how long apart, the topology is read again while a failover is still being announced. */
const SETTLE_ATTEMPTS = 10;
const SETTLE_PAUSE_MS = 200;

const sameSlots = (a: ClusterShard, b: ClusterShard) =>
  a.slots.length === b.slots.length &&
  a.slots.every(([first, last], i) => b.slots[i]![0] === first && b.slots[i]![1] === last);

/**
 * The source of a shard whose transfer failed at its source, chosen again from the topology read anew: after
 * a failover the shard's new master (or a replica of it in step) serves it. While a failover is still being
 * announced the nodes disagree (the topology read names a master that says it is a replica, or a replica that
 * says it is a master): the topology is then read again a few times, briefly, until they agree. Throws when the
 * cluster cannot be read, no longer serves every slot, or no longer has a shard with exactly these slots (they
 * moved since the backup began: the file would not be that shard's).
 */
export async function chooseShardSourceAgain(
  probe: RedisProbe,
  endpoint: RedisEndpoint,
  known: ClusterTopology,
  shard: ClusterShard,
  now: () => number,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<ShardSource> {
  let source: ShardSource | undefined;
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    if (attempt > 0) await pause(SETTLE_PAUSE_MS);
    const topology = await refreshTopology(probe, endpoint, known, now());
    const current = topology.shards.find((candidate) => sameSlots(candidate, shard));
    if (!current) {
      throw new Error(
        `no shard serves exactly slots ${describeSlotRanges(shard.slots)} any more (they moved during the backup)`,
      );
    }
    source = await chooseShardSource(probe, endpoint, current);
    if (await rolesAgree(probe, endpoint, current)) return source;
  }
  return source!;
}

/**
 * Whether the shard's nodes that answer say what the topology says of them: the master answers INFO without
 * master_link_status, a replica with it. Nodes that do not answer say nothing against it. (A user not allowed
 * INFO makes every node look like a master: the reads then end after their few attempts, a second or two.)
 */
async function rolesAgree(probe: RedisProbe, endpoint: RedisEndpoint, shard: ClusterShard): Promise<boolean> {
  const linkOf = (node: ClusterNode) =>
    probe.probe(nodeEndpoint(endpoint, node)).then(
      (info) => info.masterLinkUp,
      () => undefined,
    );
  const [master, ...replicas] = await Promise.all([shard.master, ...shard.replicas].map(linkOf));
  return master !== false && master !== true && replicas.every((link) => link !== null);
}
