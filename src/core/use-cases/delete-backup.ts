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
  if (record.status === 'deleted') {
    throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
  }
  if (record.status === 'waiting' || record.status === 'backuping') {
    throw new DomainError(
      'backup_in_progress',
      'the instance is backuping: wait for the backup to end before deleting it.',
    );
  }
  await deps.store.backups.update(backupId, {
    status: 'deleted',
    restorable: false,
    fileKey: null,
    expiresAt: null,
  });
  if (detail.fileKey) await deps.blobs.remove(detail.fileKey);
}
