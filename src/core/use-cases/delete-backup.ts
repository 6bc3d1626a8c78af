import { fileKeysOf } from '../backup-detail.ts';
import { DomainError } from '../errors.ts';
import type { BlobStore, MetadataStore } from '../ports.ts';
import { findBackup } from './find-backup.ts';

/**
 * DeleteBackupFile: the record stays listed as "deleted" and its file goes. The record changes first, so a
 * crash in between leaves an orphan file for the clean-up pass, never a "succeed" record without its file.
 */
export async function deleteBackup(
  deps: { store: MetadataStore; blobs: BlobStore },
  projectId: string,
  instanceId: string,
  backupId: string,
): Promise<void> {
  const { record, detail } = await findBackup(deps.store, projectId, instanceId, backupId);
  if (record.status === 'deleted') throw gone();
  if (record.status === 'waiting' || record.status === 'backuping') throw running();
  // Only from the state just read: a backup that expired or was deleted meanwhile keeps its own outcome,
  // and the file named is the one this record still owned.
  const moved = await deps.store.backups.transition(backupId, [record.status], 'deleted', {
    restorable: false,
    fileKey: null,
    expiresAt: null,
  });
  if (!moved) {
    // It expired between the read and the delete: delete it from there (its file went with the expiry).
    const now = (await deps.store.backups.findById(backupId))?.record.status;
    if (now !== 'expired' || !(await deps.store.backups.transition(backupId, ['expired'], 'deleted'))) {
      throw gone();
    }
    return;
  }
  for (const key of fileKeysOf(detail)) await deps.blobs.remove(key);
}

function gone(): DomainError {
  return new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
}

function running(): DomainError {
  return new DomainError(
    'backup_in_progress',
    'the instance is backuping: wait for the backup to end before deleting it.',
  );
}
