import type { Clock } from '../clock.ts';
import { DomainError, invalidParameter } from '../errors.ts';
import { isProjectId, newId } from '../ids.ts';
import type { Instance, InstanceType, RedisEndpoint } from '../instance.ts';
import type { MetadataStore, RedisProbe } from '../ports.ts';
import { discoverCluster } from './discover-cluster.ts';

export interface AttachRequest {
  projectId: string;
  name: string;
  type: InstanceType;
  endpoint: RedisEndpoint;
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
  const info = await deps.probe.probe(request.endpoint);
  // A cluster node holds a fraction of the data: whatever --type said, the server's own word wins, so a
  // cluster is never backed up as if one node were the whole.
  const type = info.clusterEnabled ? 'cluster' : request.type;
  if (type === 'cluster' && info.clusterEnabled === false) {
    throw invalidParameter(
      'type',
      'Invalid type in the request: the server is not a cluster node (cluster_enabled:0).',
    );
  }
  const topology =
    type === 'cluster' ? await discoverCluster(deps.probe, request.endpoint, deps.clock.now()) : null;
  const instance: Instance = {
    id: newId(),
    projectId: request.projectId,
    name: request.name,
    type,
    endpoint: request.endpoint,
    engineVersion: info.engineVersion,
    createdAt: deps.clock.now(),
    topology,
  };
  await deps.store.instances.insert(instance);
  return instance;
}
