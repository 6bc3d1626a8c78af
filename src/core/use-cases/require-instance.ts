import { DomainError } from '../errors.ts';
import type { Instance } from '../instance.ts';
import type { MetadataStore } from '../ports.ts';

/**
 * The instance, if it belongs to the project. An instance of another project answers exactly as a missing
 * one, so a caller cannot learn that it exists elsewhere.
 */
export async function requireInstance(
  store: MetadataStore,
  projectId: string,
  instanceId: string,
): Promise<Instance> {
  const instance = await store.instances.findById(instanceId);
  if (!instance || instance.projectId !== projectId) {
    throw new DomainError('instance_not_found', 'This DCS instance does not exist.');
  }
  return instance;
}
