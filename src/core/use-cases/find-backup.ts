import type { StoredBackup } from '../backup-detail.ts';
import { DomainError } from '../errors.ts';
import type { MetadataStore } from '../ports.ts';
import { requireInstance } from './require-instance.ts';

/**
 * A backup of an instance of the project. Unknown backups answer DCS.4031, as the Terraform provider expects
 * of a backup that is gone.
 */
export async function findBackup(
  store: MetadataStore,
  projectId: string,
  instanceId: string,
  backupId: string,
): Promise<StoredBackup> {
  await requireInstance(store, projectId, instanceId);
  const stored = await store.backups.findById(backupId);
  if (!stored || stored.record.instanceId !== instanceId) {
    throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
  }
  return stored;
}
