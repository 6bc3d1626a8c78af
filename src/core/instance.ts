import type { ClusterTopology } from './cluster-topology.ts';

export const INSTANCE_TYPES = ['single', 'master_standby', 'cluster'] as const;
export type InstanceType = (typeof INSTANCE_TYPES)[number];

/** Where and how to reach an attached Redis server. The password is a secret: never logged or returned. */
export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  username: string | null;
  password: string | null;
  tls: boolean;
}

/**
 * The Sentinels that know a master/standby instance's current master, asked before every backup and restore.
 * The instance's endpoint then carries the data nodes' credentials, database and TLS, and the master's address
 * as last seen. The password is a secret: never logged or returned.
 */
export interface SentinelSet {
  nodes: { host: string; port: number }[];
  masterName: string;
  /** Credentials for the Sentinels themselves; null: the data nodes' credentials are used. */
  username: string | null;
  password: string | null;
}

export interface Instance {
  id: string;
  projectId: string;
  name: string;
  type: InstanceType;
  endpoint: RedisEndpoint;
  /** Present when the instance is found through Sentinel (`redis-sentinel://`). */
  sentinel?: SentinelSet | null;
  /** Read from the server when it was attached. */
  engineVersion: string;
  createdAt: number;
  /** For a cluster: its shards as last discovered (at attach, then before each backup); null otherwise. */
  topology: ClusterTopology | null;
}

/** A form of the endpoint safe to show anywhere: no credentials. */
export function describeEndpoint(endpoint: RedisEndpoint): string {
  const scheme = endpoint.tls ? 'rediss' : 'redis';
  const user = endpoint.username ? `${endpoint.username}@` : '';
  return `${scheme}://${user}${endpoint.host}:${endpoint.port}/${endpoint.db}`;
}

/** The instance's address as attached, safe to show: the Sentinels and master name when it has them. */
export function describeInstanceEndpoint(instance: Pick<Instance, 'endpoint' | 'sentinel'>): string {
  const { endpoint, sentinel } = instance;
  if (!sentinel) return describeEndpoint(endpoint);
  const user = endpoint.username ? `${endpoint.username}@` : '';
  const nodes = sentinel.nodes.map((n) => `${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`);
  return `redis-sentinel://${user}${nodes.join(',')}/${encodeURIComponent(sentinel.masterName)}/${endpoint.db}`;
}
