import { type BackupPolicy, DAY_MS } from './backup-policy.ts';

export interface RetainedBackup {
  id: string;
  createdAt: number;
}

/**
 * When each successful automatic backup of an instance expires under its policy: undefined-free, one entry
 * per backup, null for "kept". `backups` must be newest first. Manual backups never pass through here.
 *
 * - the newest keepLast are kept whatever their age (so a week of failing backups never leaves none);
 * - beyond the newest maxBackups, a backup expires now;
 * - any other expires saveDays after it was created.
 */
export function expiryTimes(
  policy: BackupPolicy,
  backups: readonly RetainedBackup[],
  now: number,
): Map<string, number | null> {
  const times = new Map<string, number | null>();
  backups.forEach((backup, index) => {
    if (policy.keepLast !== null && index < policy.keepLast) times.set(backup.id, null);
    else if (policy.maxBackups !== null && index >= policy.maxBackups) times.set(backup.id, now);
    else if (policy.saveDays !== null) times.set(backup.id, backup.createdAt + policy.saveDays * DAY_MS);
    else times.set(backup.id, null);
  });
  return times;
}
