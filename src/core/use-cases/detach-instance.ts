import { DomainError } from '../errors.ts';
import type { MetadataStore } from '../ports.ts';

/** Records whose backup file may still exist or is being written. */
const LIVE_STATUSES = ['waiting', 'backuping', 'succeed'] as const;

/**
 * Detaches an instance. Refuses while it has backups that hold (or will hold) data, unless forced, so that a
 * slip of the keyboard never throws backups away.
 */
export async function detachInstance(
  store: MetadataStore,
  instanceId: string,
  force: boolean,
): Promise<void> {
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
  await store.instances.delete(instanceId);
}
