import Type, { type Static } from 'typebox';
import { INSTANCE_TYPES, type Instance, type InstanceType } from '../../core/instance.ts';
import { describeInstanceEndpoint } from '../../core/instance.ts';
import type { StoredPolicy } from '../../core/backup-policy.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { clusterToWire, clusterWireProperties } from './cluster-wire.ts';
import { policyToWire, policyWireSchema } from './backup-policy-wire.ts';
import { nullableString, stringEnum } from './schema-kit.ts';

/** DCS names the deployment shape "cache_mode". */
const CACHE_MODE: Record<InstanceType, 'single' | 'ha' | 'cluster'> = {
  single: 'single',
  master_standby: 'ha',
  cluster: 'cluster',
};

/**
 * The DCS instance fields that apply to an attached server. No credential ever leaves through here. `now`
 * places the policy's next backup.
 */
export function instanceToWire(
  instance: Instance,
  policy: StoredPolicy | undefined,
  now: number,
): Static<typeof instanceWireSchema> {
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
export function instanceToAdminWire(
  instance: Instance,
  policy: StoredPolicy | undefined,
  now: number,
): Static<typeof adminInstanceWireSchema> {
  return {
    ...instanceToWire(instance, policy, now),
    type: instance.type,
    db: instance.endpoint.db,
    url: describeInstanceEndpoint(instance),
  };
}

const instanceProperties = {
  instance_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  engine: stringEnum(['Redis']),
  engine_version: Type.String(),
  cache_mode: stringEnum(['single', 'ha', 'cluster']),
  ip: Type.String(),
  port: Type.Integer(),
  domain_name: Type.String(),
  status: stringEnum(['RUNNING']),
  project_id: Type.String(),
  no_password_access: stringEnum(['true', 'false']),
  access_user: nullableString(),
  enable_ssl: Type.Boolean(),
  instance_backup_policy: policyWireSchema,
  created_at: Type.String({ format: 'date-time' }),
  ...clusterWireProperties,
};

// Serialising from a schema also guarantees that a field left out here (a password) can never be emitted.
export const instanceWireSchema = Type.Object(instanceProperties, { title: 'Instance' });

export const adminInstanceWireSchema = Type.Object(
  {
    ...instanceProperties,
    type: stringEnum(INSTANCE_TYPES),
    db: Type.Integer(),
    url: Type.String({ description: 'the endpoint, without its password' }),
  },
  { title: 'AdminInstance' },
);
