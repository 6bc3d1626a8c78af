import type { ClusterShard } from '../core/cluster-topology.ts';
import { DomainError } from '../core/errors.ts';
import type { Instance, RedisEndpoint } from '../core/instance.ts';
import type { DatabaseKeys, RedisProbe, RedisServerInfo } from '../core/ports.ts';
import { readClusterShards } from './cluster-discovery.ts';
import { authenticate } from './resp/authenticate.ts';
import { RedisWireError } from './resp/redis-wire-error.ts';
import { RespConnection } from './resp/resp-connection.ts';
import { locateMaster, messageOf } from './topology/locate-master.ts';

const TIMEOUT_MS = 5_000;

/** Probes a Redis server: connect (and AUTH), PING, SELECT the database, INFO; or reads a cluster's shards. Never retries. */
export class RespRedisProbe implements RedisProbe {
  async probe(endpoint: RedisEndpoint): Promise<RedisServerInfo> {
    return withConnection(endpoint, async (connection) => {
      if (endpoint.db !== 0) {
        const selected = await connection.call('SELECT', String(endpoint.db));
        if (selected.type === 'error') throw new RedisWireError('refused', selected.value);
      }
      const info = await connection.call('INFO');
      // A user allowed to sync but not to read INFO still works: the version is then unknown.
      const text = info.type === 'bulk' ? info.value : '';
      const usedMemory = /^used_memory:(\d+)/m.exec(text)?.[1];
      const cluster = infoField(text, 'cluster_enabled');
      const link = infoField(text, 'master_link_status');
      return {
        engineVersion: parseServerVersion(text),
        usedMemoryBytes: usedMemory ? Number(usedMemory) : null,
        clusterEnabled: cluster === undefined ? null : cluster === '1',
        masterLinkUp: link === undefined ? null : link === 'up',
      };
    });
  }

  async keyspace(endpoint: RedisEndpoint, timeoutMs: number): Promise<DatabaseKeys[]> {
    return withConnection(
      endpoint,
      async (connection) => {
        const info = await connection.call('INFO', 'keyspace');
        if (info.type === 'error') throw new RedisWireError('refused', info.value);
        return parseKeyspace(info.type === 'bulk' ? info.value : '');
      },
      timeoutMs,
    );
  }

  async shards(endpoint: RedisEndpoint): Promise<ClusterShard[]> {
    return withConnection(endpoint, (connection) => readClusterShards(connection, endpoint));
  }

  async locateMaster(instance: Pick<Instance, 'type' | 'endpoint' | 'sentinel'>): Promise<RedisEndpoint> {
    // A master/standby instance attached by a replica: the master it follows (no Sentinel: never throws).
    if (!instance.sentinel && instance.type !== 'master_standby') return instance.endpoint;
    try {
      return (await locateMaster(instance)).endpoint;
    } catch (error) {
      throw new DomainError(
        'redis_unreachable',
        `Cannot find the master through Sentinel: ${messageOf(error)}`,
      );
    }
  }
}

async function withConnection<T>(
  endpoint: RedisEndpoint,
  use: (connection: RespConnection) => Promise<T>,
  timeoutMs = TIMEOUT_MS,
): Promise<T> {
  const where = `${endpoint.host}:${endpoint.port}`;
  let connection: RespConnection | undefined;
  try {
    connection = await RespConnection.open(endpoint, timeoutMs);
    await authenticate(connection, endpoint);
    return await use(connection);
  } catch (error) {
    throw new DomainError('redis_unreachable', `Cannot use the Redis server at ${where}: ${explain(error)}`);
  } finally {
    connection?.close();
  }
}

/** The server's version from INFO; Valkey reports its own version beside the Redis-compatible one. */
export function parseServerVersion(info: string): string {
  return infoField(info, 'valkey_version') || infoField(info, 'redis_version') || 'unknown';
}

/** The `dbN:keys=K,expires=…` lines of INFO keyspace, ascending by database; a database without keys has none. */
export function parseKeyspace(info: string): DatabaseKeys[] {
  return [...info.matchAll(/^db(\d+):keys=(\d+)/gm)]
    .map((match) => ({ db: Number(match[1]), keys: Number(match[2]) }))
    .sort((a, b) => a.db - b.db);
}

/** One `name:value` line of an INFO reply, or undefined when the reply has none. */
export function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(\\S*)`, 'm').exec(info)?.[1];
}

function explain(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof RedisWireError && error.kind === 'auth') {
    return /requires a password/.test(text)
      ? 'the server requires a password.'
      : 'authentication failed (wrong user or password).';
  }
  if (/connection refused/.test(text)) return 'connection refused.';
  if (error instanceof RedisWireError && error.kind === 'timeout') return 'connection timed out.';
  if (/does not resolve/.test(text)) return 'the host name does not resolve.';
  if (/DB index is out of range/i.test(text)) return 'the database number is out of range.';
  // Replies from the server and socket errors never carry the password, so they can be shown as they are.
  return text.replace(/\s+/g, ' ').slice(0, 200);
}
