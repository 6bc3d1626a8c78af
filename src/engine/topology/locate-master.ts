import type { Instance, RedisEndpoint } from '../../core/instance.ts';
import { RedisWireError } from '../resp/redis-wire-error.ts';
import { addressOf, type ReplicationInfo } from './replication-info.ts';
import {
  liveTopologyReader,
  sentinelEndpoint,
  type SentinelReplica,
  type TopologyReader,
} from './topology-reader.ts';

export type TopologyTarget = Pick<Instance, 'type' | 'endpoint' | 'sentinel'>;

/** The instance's current master, how it was found, and its replication state when that could be read. */
export interface LocatedMaster {
  endpoint: RedisEndpoint;
  /** How the master was found, in words: "the node attached", "the Sentinel at ...". */
  how: string;
  info: ReplicationInfo | null;
  /** Why info is null. */
  problem: string | null;
  /** The replicas as the Sentinel answering sees them; null without Sentinel. */
  sentinelReplicas: SentinelReplica[] | null;
}

/**
 * Finds the current master: through the Sentinels (the first that knows the master name answers) or, for a
 * master/standby instance attached by a replica, the master that replica follows (master_host). Throws
 * RedisWireError only when Sentinels were to be asked and none could say: there is nothing else to go on.
 */
export async function locateMaster(
  target: TopologyTarget,
  reader: TopologyReader = liveTopologyReader,
): Promise<LocatedMaster> {
  const { sentinel } = target;
  if (sentinel) {
    const failures: string[] = [];
    // A Sentinel cut off from the others may still name a master that has since been demoted: the next
    // Sentinel is asked, and that answer used only when no Sentinel names a node that reports itself master.
    let demoted: LocatedMaster | undefined;
    for (const node of sentinel.nodes) {
      const access = sentinelEndpoint(node, sentinel, target.endpoint);
      const where = addressOf(node);
      try {
        const found = await reader.sentinelMaster(access, sentinel.masterName);
        if (!found) {
          failures.push(`${where} does not monitor a master named "${sentinel.masterName}"`);
          continue;
        }
        const replicas = await reader.sentinelReplicas(access, sentinel.masterName).catch(() => []);
        const endpoint = { ...target.endpoint, host: found.host, port: found.port };
        const how = `the master of "${sentinel.masterName}" according to the Sentinel at ${where}`;
        const located = { ...(await withInfo(endpoint, how, reader)), sentinelReplicas: replicas };
        if (located.info?.role !== 'replica') return located;
        failures.push(`${where} names ${addressOf(endpoint)}, which reports itself a replica`);
        demoted ??= located;
      } catch (error) {
        failures.push(`${where}: ${messageOf(error)}`);
      }
    }
    if (demoted) return demoted;
    throw new RedisWireError(
      'connect',
      `no Sentinel could name the master of "${sentinel.masterName}": ${failures.join('; ')}`,
    );
  }
  const attached = await withInfo(target.endpoint, 'the node attached', reader);
  const info = attached.info;
  if (target.type !== 'master_standby' || info?.role !== 'replica' || info.master === null) {
    return { ...attached, sentinelReplicas: null };
  }
  const master = { ...target.endpoint, host: info.master.host, port: info.master.port };
  const how = `the master of the attached replica ${addressOf(target.endpoint)}`;
  return { ...(await withInfo(master, how, reader)), sentinelReplicas: null };
}

async function withInfo(endpoint: RedisEndpoint, how: string, reader: TopologyReader) {
  try {
    return { endpoint, how, info: await reader.replication(endpoint), problem: null };
  } catch (error) {
    const problem = `cannot read INFO replication of ${addressOf(endpoint)}: ${messageOf(error)}`;
    return { endpoint, how, info: null, problem };
  }
}

/** Socket errors and server replies never carry a password, so they are shown as they are. */
export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 200);
}
