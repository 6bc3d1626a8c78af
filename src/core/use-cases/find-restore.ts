import { DomainError } from '../errors.ts';
import type { MetadataStore, RestorePage, RestoreQuery } from '../ports.ts';
import type { StoredRestore } from '../restore-record.ts';
import { requireInstance } from './require-instance.ts';

/** ListRestoreRecords: one instance's restores, newest first. */
export async function listRestores(
  store: MetadataStore,
  projectId: string,
  query: RestoreQuery,
): Promise<RestorePage> {
  await requireInstance(store, projectId, query.instanceId);
  return store.restores.list(query);
}

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
