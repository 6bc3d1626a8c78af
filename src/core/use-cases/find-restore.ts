import { DomainError } from '../errors.ts';
import type { MetadataStore } from '../ports.ts';
import type { StoredRestore } from '../restore-record.ts';
import { requireInstance } from './require-instance.ts';

/** One restore of an instance of the project. */
export async function findRestore(
  store: MetadataStore,
  projectId: string,
  instanceId: string,
  restoreId: string,
): Promise<StoredRestore> {
  await requireInstance(store, projectId, instanceId);
  const stored = await store.restores.findById(restoreId);
  if (!stored || stored.record.instanceId !== instanceId) {
    throw new DomainError('restore_not_found', 'The restore record does not exist.');
  }
  return stored;
}
