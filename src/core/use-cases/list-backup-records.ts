import type { BackupPage, BackupQuery, MetadataStore } from '../ports.ts';
import { requireInstance } from './require-instance.ts';

/** ListBackupRecords: one instance's records, filtered and paged. */
export async function listBackupRecords(
  store: MetadataStore,
  projectId: string,
  query: BackupQuery,
): Promise<BackupPage> {
  await requireInstance(store, projectId, query.instanceId);
  return store.backups.list(query);
}
