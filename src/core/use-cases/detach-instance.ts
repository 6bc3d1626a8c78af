import { DomainError } from '../errors.ts';
import type { BlobStore, MetadataStore } from '../ports.ts';

/** Records whose backup file may still exist or is being written. */
const LIVE_STATUSES = ['waiting', 'backuping', 'succeed'] as const;

/**
 * Detaches an instance. Refuses while it has backups that hold (or will hold) data, unless forced, so that a
 * slip of the keyboard never throws backups away.
 */
export async function detachInstance(
  deps: { store: MetadataStore; blobs: BlobStore },
  instanceId: string,
  force: boolean,
): Promise<void> {
  const { store, blobs } = deps;
  const instance = await store.instances.findById(instanceId);
  if (!instance) throw new DomainError('instance_not_found', 'This DCS instance does not exist.');
  if (!force) {
    const live = await store.backups.countByStatus(instanceId, LIVE_STATUSES);
    if (live > 0) {
      throw new DomainError(
        'instance_has_backups',
        `The instance has ${live} backup(s) that hold data; delete them first or detach with force.`,
      );
    }
  }
  // Records go first, then their files: a crash in between leaves orphan files, never records without them.
  const files = await store.backups.fileKeys(instanceId);
  await store.instances.delete(instanceId);
  for (const key of files) await blobs.remove(key);
}
