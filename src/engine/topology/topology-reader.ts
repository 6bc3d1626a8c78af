import type { RedisEndpoint, SentinelSet } from '../../core/instance.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RedisWireError } from '../resp/redis-wire-error.ts';
import { RespConnection, type RespReply } from '../resp/resp-connection.ts';
import { parseReplicationInfo, type ReplicationInfo } from './replication-info.ts';

/** A replica as a Sentinel sees it (SENTINEL REPLICAS). */
export interface SentinelReplica {
  host: string;
  port: number;
  /** Sentinel's flags: slave, s_down, o_down, disconnected... */
  flags: string[];
}

/** A Sentinel to ask; borrowed: it is given the data nodes' credentials, which it may not need. */
export type SentinelEndpoint = RedisEndpoint & { borrowed: boolean };

/** What the choice of a backup source asks the nodes; a seam so the choice is tested on scripted answers. */
export interface TopologyReader {
  replication(endpoint: RedisEndpoint): Promise<ReplicationInfo>;
  /** The master's address as one Sentinel knows it; null when it does not know that master name. */
  sentinelMaster(
    sentinel: SentinelEndpoint,
    masterName: string,
  ): Promise<{ host: string; port: number } | null>;
  sentinelReplicas(sentinel: SentinelEndpoint, masterName: string): Promise<SentinelReplica[]>;
}

const TIMEOUT_MS = 5_000;

/** Reads the live nodes over RESP, one short connection per question. */
export const liveTopologyReader: TopologyReader = {
  async replication(endpoint) {
    const reply = await ask(endpoint, ['INFO', 'replication']);
    if (reply.type === 'error')
      throw new RedisWireError('refused', `INFO replication refused: ${reply.value}`);
    return parseReplicationInfo(reply.type === 'bulk' ? reply.value : '');
  },
  async sentinelMaster(sentinel, masterName) {
    const reply = await askSentinel(sentinel, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]);
    if (reply.type === 'nil') return null;
    if (reply.type === 'error') throw new RedisWireError('refused', `the Sentinel refused: ${reply.value}`);
    const [host, port] = reply.type === 'array' ? reply.value.map((r) => String(r.value)) : [];
    if (!host || !port || !/^\d+$/.test(port)) {
      throw new RedisWireError(
        'protocol',
        'the Sentinel answered GET-MASTER-ADDR-BY-NAME without an address',
      );
    }
    return { host, port: Number(port) };
  },
  async sentinelReplicas(sentinel, masterName) {
    const reply = await askSentinel(sentinel, ['SENTINEL', 'REPLICAS', masterName]);
    if (reply.type !== 'array') return [];
    return reply.value.flatMap((entry) => {
      if (entry.type !== 'array') return [];
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < entry.value.length; i += 2) {
        fields.set(String(entry.value[i]!.value), String(entry.value[i + 1]!.value));
      }
      const host = fields.get('ip');
      const port = Number(fields.get('port'));
      return host && Number.isInteger(port)
        ? [{ host, port, flags: (fields.get('flags') ?? '').split(',') }]
        : [];
    });
  },
};

/** The endpoint a Sentinel is reached at: its own credentials when given, else the data nodes'. */
export function sentinelEndpoint(
  node: { host: string; port: number },
  sentinel: SentinelSet,
  data: RedisEndpoint,
): SentinelEndpoint {
  const own = sentinel.password !== null;
  return {
    borrowed: !own && data.password !== null,
    host: node.host,
    port: node.port,
    db: 0,
    username: own ? sentinel.username : data.username,
    password: own ? sentinel.password : data.password,
    tls: data.tls,
  };
}

/**
 * Sentinels often have no password of their own (or a different one): with borrowed credentials refused, the
 * question is asked again without any, and a Sentinel that needs one says so then.
 */
async function askSentinel(sentinel: SentinelEndpoint, command: string[]): Promise<RespReply> {
  try {
    return await ask(sentinel, command);
  } catch (error) {
    if (!sentinel.borrowed || !(error instanceof RedisWireError) || error.kind !== 'auth') throw error;
    return ask({ ...sentinel, username: null, password: null }, command);
  }
}

async function ask(endpoint: RedisEndpoint, command: string[]): Promise<RespReply> {
  const connection = await RespConnection.open(endpoint, TIMEOUT_MS);
  try {
    await authenticate(connection, endpoint);
    return await connection.call(...command);
  } finally {
    connection.close();
  }
}
