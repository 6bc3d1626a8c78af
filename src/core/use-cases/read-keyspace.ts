import type { ClusterShard } from '../cluster-topology.ts';
import type { Clock } from '../clock.ts';
import type { Instance, RedisEndpoint } from '../instance.ts';
import type { DatabaseKeys, RedisProbe } from '../ports.ts';

/** How long one connection may stay silent while the key counts are read: a person is waiting for them. */
export const KEYSPACE_CONNECTION_TIMEOUT_MS = 2_000;
/** The whole read, Sentinel or cluster discovery included, is given up after this. */
export const KEYSPACE_DEADLINE_MS = 3_000;

/** The keys an instance holds now, as read from its master(s), or why they could not be read. */
export interface InstanceKeyspace {
  /** Keys per non-empty database, summed over a cluster's masters; null when they could not be read. */
  databases: DatabaseKeys[] | null;
  /** The sum over the databases; null when they could not be read. */
  keyCount: number | null;
  /** The masters whose counts were added: one, or a cluster's masters. */
  mastersRead: number;
  readAt: number;
  /** Why the counts are null: the server's or the socket's words, never a password. */
  problem: string | null;
}

export interface KeyspaceDeps {
  probe: RedisProbe;
  clock: Clock;
}

/**
 * Reads what a restore into the instance would replace: the keys of its current master (found through
 * Sentinel, or the master a replica attached as master/standby follows), or of every master of a cluster (its
 * shards read again, so a failover since the attach is followed). Replicas are never added: they hold copies.
 * Never throws for an unreachable server: the answer carries the reason instead, so a page can still open.
 * A cluster with one master out of reach has no count: part of a sum would understate what is replaced.
 */
export async function readInstanceKeyspace(
  deps: KeyspaceDeps,
  instance: Pick<Instance, 'type' | 'endpoint' | 'sentinel' | 'topology'>,
  limits: { connectionMs: number; deadlineMs: number } = {
    connectionMs: KEYSPACE_CONNECTION_TIMEOUT_MS,
    deadlineMs: KEYSPACE_DEADLINE_MS,
  },
): Promise<InstanceKeyspace> {
  let masters = 0;
  const read = async () => {
    const endpoints = await mastersOf(deps.probe, instance);
    masters = endpoints.length;
    return Promise.all(endpoints.map((endpoint) => deps.probe.keyspace(endpoint, limits.connectionMs)));
  };
  try {
    const perMaster = await withDeadline(read(), limits.deadlineMs);
    const databases = sumDatabases(perMaster);
    return {
      databases,
      keyCount: databases.reduce((sum, database) => sum + database.keys, 0),
      mastersRead: masters,
      readAt: deps.clock.now(),
      problem: null,
    };
  } catch (error) {
    return {
      databases: null,
      keyCount: null,
      mastersRead: 0,
      readAt: deps.clock.now(),
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Adds the counts of each database over several masters (a cluster's masters hold database 0 only). */
export function sumDatabases(perMaster: readonly (readonly DatabaseKeys[])[]): DatabaseKeys[] {
  const totals = new Map<number, number>();
  for (const databases of perMaster) {
    for (const { db, keys } of databases) totals.set(db, (totals.get(db) ?? 0) + keys);
  }
  return [...totals.entries()].sort(([a], [b]) => a - b).map(([db, keys]) => ({ db, keys }));
}

async function mastersOf(
  probe: RedisProbe,
  instance: Pick<Instance, 'type' | 'endpoint' | 'sentinel' | 'topology'>,
): Promise<RedisEndpoint[]> {
  if (instance.type !== 'cluster') return [await probe.locateMaster(instance)];
  // The node attached may be the one that is down: the shards last discovered still name the others.
  const shards: ClusterShard[] = await probe.shards(instance.endpoint).catch((error: unknown) => {
    if (instance.topology) return instance.topology.shards;
    throw error;
  });
  return shards
    .filter((shard) => shard.slots.length > 0)
    .map((shard) => ({ ...instance.endpoint, host: shard.master.host, port: shard.master.port, db: 0 }));
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s.`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
