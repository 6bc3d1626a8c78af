import type { BackupSource } from '../../core/backup-source.ts';
import type { RedisEndpoint } from '../../core/instance.ts';
import { locateMaster, messageOf, type TopologyTarget } from './locate-master.ts';
import { addressOf, type AnnouncedReplica, type ReplicationInfo } from './replication-info.ts';
import { liveTopologyReader, type TopologyReader } from './topology-reader.ts';

export interface ChosenSource extends BackupSource {
  /** Where to sync from: the node's address with the instance's credentials, database and TLS. */
  endpoint: RedisEndpoint;
}

/** What makes a replica healthy enough to serve a backup. */
export interface ReplicaBounds {
  /** The master heard from the replica at most this long ago (replicas acknowledge every second). */
  maxAckLagSeconds: number;
  /** The replica heard from its master at most this long ago (masters ping every 10 s by default). */
  maxLastIoSeconds: number;
  /** The replica at most this many bytes of the replication stream behind the master. */
  maxOffsetLagBytes: number;
}

export const DEFAULT_REPLICA_BOUNDS: ReplicaBounds = {
  maxAckLagSeconds: 10,
  maxLastIoSeconds: 20,
  maxOffsetLagBytes: 16 * 1024 * 1024,
};

const SENTINEL_DOWN_FLAGS = new Set(['s_down', 'o_down', 'disconnected']);

/**
 * Chooses the node a backup is read from. A master/standby instance (attached by its master, by a replica, or
 * through Sentinel) is read from a healthy replica when it has one, as DCS does to keep the load off the
 * master; otherwise from the master, saying why. Other instances are read from the node attached. Throws only
 * when Sentinels were to name the master and none could.
 */
export async function chooseBackupSource(
  target: TopologyTarget,
  options: { reader?: TopologyReader; bounds?: ReplicaBounds } = {},
): Promise<ChosenSource> {
  const reader = options.reader ?? liveTopologyReader;
  const bounds = options.bounds ?? DEFAULT_REPLICA_BOUNDS;
  if (target.type !== 'master_standby' && !target.sentinel) {
    return {
      endpoint: target.endpoint,
      role: 'master',
      address: addressOf(target.endpoint),
      reason: `a ${target.type} instance: read from the node attached`,
    };
  }
  const located = await locateMaster(target, reader);
  const masterAddress = addressOf(located.endpoint);
  const fromMaster = (why: string): ChosenSource => ({
    endpoint: located.endpoint,
    role: 'master',
    address: masterAddress,
    reason: `${why}: read from the master (${located.how})`,
  });
  if (located.info === null) return fromMaster(located.problem ?? 'the master cannot be read');
  const master = located.info;

  const downBySentinel = new Set(
    (located.sentinelReplicas ?? [])
      .filter((r) => r.flags.some((flag) => SENTINEL_DOWN_FLAGS.has(flag)))
      .map(addressOf),
  );
  const rejected: string[] = [];
  for (const replica of master.replicas) {
    const address = addressOf(replica);
    const seen =
      masterSideProblem(replica, master, bounds) ??
      (downBySentinel.has(address) ? 'the Sentinel sees it down' : null);
    if (seen) {
      rejected.push(`${address} ${seen}`);
      continue;
    }
    const endpoint = { ...located.endpoint, host: replica.host, port: replica.port };
    let own: ReplicationInfo;
    try {
      own = await reader.replication(endpoint);
    } catch (error) {
      rejected.push(`${address} cannot be reached (${messageOf(error)})`);
      continue;
    }
    const problem = replicaSideProblem(own, bounds);
    if (problem) {
      rejected.push(`${address} ${problem}`);
      continue;
    }
    const behind = behindBy(replica, master);
    return {
      endpoint,
      role: 'replica',
      address,
      reason:
        `a healthy replica of the master ${masterAddress} (${located.how}): link up, ` +
        `last heard from its master ${own.lastIoSecondsAgo ?? 0}s ago` +
        (behind === null ? '' : `, ${behind} bytes behind`),
    };
  }
  if (master.replicas.length === 0) {
    return fromMaster(
      master.role === 'replica'
        ? `the node named as master (${masterAddress}) reports itself a replica, a failover may be under way`
        : `no replica is attached to the master ${masterAddress}`,
    );
  }
  return fromMaster(`no healthy replica (${rejected.join('; ')})`);
}

function masterSideProblem(
  replica: AnnouncedReplica,
  master: ReplicationInfo,
  bounds: ReplicaBounds,
): string | null {
  if (replica.state !== 'online') return `is not in sync yet (state ${replica.state})`;
  if (replica.lagSeconds !== null && replica.lagSeconds > bounds.maxAckLagSeconds) {
    return `last acknowledged ${replica.lagSeconds}s ago`;
  }
  const behind = behindBy(replica, master);
  if (behind !== null && behind > bounds.maxOffsetLagBytes) return `is ${behind} bytes behind the master`;
  return null;
}

function replicaSideProblem(own: ReplicationInfo, bounds: ReplicaBounds): string | null {
  if (own.role === 'master') return 'reports itself a master';
  if (!own.linkUp) return 'has its link to the master down';
  if (own.lastIoSecondsAgo !== null && own.lastIoSecondsAgo > bounds.maxLastIoSeconds) {
    return `has not heard from its master for ${own.lastIoSecondsAgo}s`;
  }
  return null;
}

function behindBy(replica: AnnouncedReplica, master: ReplicationInfo): number | null {
  if (replica.offset === null || master.offset === null) return null;
  return Math.max(0, master.offset - replica.offset);
}
