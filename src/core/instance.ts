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

export interface Instance {
  id: string;
  projectId: string;
  name: string;
  type: InstanceType;
  endpoint: RedisEndpoint;
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
