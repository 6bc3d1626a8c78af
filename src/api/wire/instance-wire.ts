import type { Instance, InstanceType } from '../../core/instance.ts';
import { describeInstanceEndpoint } from '../../core/instance.ts';
import type { StoredPolicy } from '../../core/backup-policy.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { clusterToWire, clusterWireProperties } from './cluster-wire.ts';
import { policyToWire, policyWireSchema } from './backup-policy-wire.ts';

/** DCS names the deployment shape "cache_mode". */
const CACHE_MODE: Record<InstanceType, string> = {
  single: 'single',
  master_standby: 'ha',
  cluster: 'cluster',
};

/**
 * The DCS instance fields that apply to an attached server. No credential ever leaves through here. `now`
 * places the policy's next backup.
 */
export function instanceToWire(instance: Instance, policy: StoredPolicy | undefined, now: number) {
  const { endpoint } = instance;
  return {
    instance_id: instance.id,
    name: instance.name,
    engine: 'Redis',
    engine_version: instance.engineVersion,
    cache_mode: CACHE_MODE[instance.type],
    ip: endpoint.host,
    port: endpoint.port,
    domain_name: endpoint.host,
    status: 'RUNNING',
    project_id: instance.projectId,
    no_password_access: endpoint.password === null ? 'true' : 'false',
    access_user: endpoint.username,
    enable_ssl: endpoint.tls,
    instance_backup_policy: policyToWire(policy, now),
    created_at: formatIsoUtc(instance.createdAt),
    ...clusterToWire(instance.topology),
  };
}

/** The admin view adds what an operator attached: the shape and the endpoint without its password. */
export function instanceToAdminWire(instance: Instance, policy: StoredPolicy | undefined, now: number) {
  return {
    ...instanceToWire(instance, policy, now),
    type: instance.type,
    db: instance.endpoint.db,
    url: describeInstanceEndpoint(instance),
  };
}

const nullableString = { type: ['string', 'null'] } as const;

const instanceProperties = {
  instance_id: { type: 'string' },
  name: { type: 'string' },
  engine: { type: 'string' },
  engine_version: { type: 'string' },
  cache_mode: { type: 'string' },
  ip: { type: 'string' },
  port: { type: 'integer' },
  domain_name: { type: 'string' },
  status: { type: 'string' },
  project_id: { type: 'string' },
  no_password_access: { type: 'string' },
  access_user: nullableString,
  enable_ssl: { type: 'boolean' },
  instance_backup_policy: policyWireSchema,
  created_at: { type: 'string' },
  ...clusterWireProperties,
} as const;

// Serialising from a schema also guarantees that a field left out here (a password) can never be emitted.
export const instanceWireSchema = { type: 'object', properties: instanceProperties } as const;

export const adminInstanceWireSchema = {
  type: 'object',
  properties: {
    ...instanceProperties,
    type: { type: 'string' },
    db: { type: 'integer' },
    url: { type: 'string' },
  },
} as const;
