import { DomainError } from '../errors.ts';
import type { MetadataStore } from '../ports.ts';

/**
 * The instance's listing version, if it belongs to the project: one indexed read, with none of the instance's
 * secrets opened. A listing cached under this version still shows what the database holds. Another project's
 * instance answers exactly as a missing one, as requireInstance does.
 */
export async function requireListingVersion(
  store: MetadataStore,
  projectId: string,
  instanceId: string,
): Promise<string> {
  const found = await store.instances.listingVersion(instanceId);
  if (!found || found.projectId !== projectId) {
    throw new DomainError('instance_not_found', 'This DCS instance does not exist.');
  }
  return found.version;
}
