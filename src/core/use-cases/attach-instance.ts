import type { Clock } from '../clock.ts';
import { DomainError, invalidParameter } from '../errors.ts';
import { isProjectId, newId } from '../ids.ts';
import type { Instance, InstanceType, RedisEndpoint, SentinelSet } from '../instance.ts';
import type { MetadataStore, RedisProbe } from '../ports.ts';
import { discoverCluster } from './discover-cluster.ts';

export interface AttachRequest {
  projectId: string;
  name: string;
  type: InstanceType;
  endpoint: RedisEndpoint;
  /** The Sentinels to ask for the master (a redis-sentinel:// URL); the endpoint then holds a placeholder. */
  sentinel?: SentinelSet | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Attaches an existing Redis server to a project, after checking that it answers to the credentials given. */
export async function attachInstance(
  deps: { store: MetadataStore; probe: RedisProbe; clock: Clock },
  request: AttachRequest,
): Promise<Instance> {
  if (!isProjectId(request.projectId)) {
    throw new DomainError('invalid_project_id', 'Invalid project ID format.');
  }
  if (!NAME.test(request.name)) {
    throw invalidParameter(
      'name',
      'Invalid name in the request: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit.',
    );
  }
  const sentinel = request.sentinel ?? null;
  if (sentinel && request.type !== 'master_standby') {
    throw invalidParameter(
      'type',
      'Invalid type in the request: an instance found through Sentinel is master_standby.',
    );
  }
  // Through Sentinel, the master as the Sentinels name it now; its address is kept as the last one seen.
  const endpoint = sentinel
    ? await deps.probe.locateMaster({ type: request.type, endpoint: request.endpoint, sentinel })
    : request.endpoint;
  const info = await deps.probe.probe(endpoint);
  // A cluster node holds a fraction of the data: whatever --type said, the server's own word wins, so a
  // cluster is never backed up as if one node were the whole.
  const type = info.clusterEnabled ? 'cluster' : request.type;
  if (type === 'cluster' && info.clusterEnabled === false) {
    throw invalidParameter(
      'type',
      'Invalid type in the request: the server is not a cluster node (cluster_enabled:0).',
    );
  }
  // Sentinel watches a master and its replicas, never a cluster's shards.
  if (sentinel && type === 'cluster') {
    throw invalidParameter(
      'type',
      'Invalid type in the request: the master the Sentinels name is a cluster node (cluster_enabled:1).',
    );
  }
  const topology = type === 'cluster' ? await discoverCluster(deps.probe, endpoint, deps.clock.now()) : null;
  const instance: Instance = {
    id: newId(),
    projectId: request.projectId,
    name: request.name,
    type,
    endpoint,
    sentinel,
    engineVersion: info.engineVersion,
    createdAt: deps.clock.now(),
    topology,
  };
  await deps.store.instances.insert(instance);
  return instance;
}
