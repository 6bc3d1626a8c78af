import type { BackupStatus } from './backup-record.ts';
import type { RestoreStatus } from './restore-record.ts';

/**
 * The record status machines, in one place. A status changes only along these edges, and only through the
 * repositories' compare-and-set `transition` (UPDATE … WHERE status IN (from)), so of two writers racing over
 * a record exactly one moves it, and a late writer (a job reaped while its process was frozen, waking up to
 * report progress or success) finds its edge gone and changes nothing.
 *
 * An edge from a state to itself is a write that holds only while the record is still in that state: a
 * running job's progress, a verify's findings on a stored backup.
 */
export const BACKUP_TRANSITIONS: { readonly [S in BackupStatus]: readonly BackupStatus[] } = {
  // The scheduler also inserts a window's record directly as failed (busy instance, missed window).
  waiting: ['backuping', 'failed'],
  backuping: ['backuping', 'succeed', 'failed'],
  // DCS: a stored backup is deleted by the user or expires under the policy; the file goes either way.
  succeed: ['succeed', 'expired', 'deleted'],
  // A failed or expired record holds no file; deleting it only changes how it is listed.
  failed: ['deleted'],
  expired: ['deleted'],
  deleted: [],
};

export const RESTORE_TRANSITIONS: { readonly [S in RestoreStatus]: readonly RestoreStatus[] } = {
  waiting: ['restoring', 'failed'],
  restoring: ['restoring', 'succeed', 'failed'],
  succeed: [],
  failed: [],
};

/** States in which a job is (or will be) working on the record: leaving them ends the job. */
export const ACTIVE_BACKUP_STATUSES: readonly BackupStatus[] = ['waiting', 'backuping'];
export const ACTIVE_RESTORE_STATUSES: readonly RestoreStatus[] = ['waiting', 'restoring'];

/**
 * Checks a transition against its table before it is attempted. A missing edge is a programming error,
 * not a race: races are settled by the compare-and-set, which simply does not apply.
 */
export function checkTransition<S extends string>(
  table: { readonly [K in S]: readonly S[] },
  from: readonly S[],
  to: S,
): void {
  if (from.length === 0) throw new Error(`a transition to ${to} needs at least one state to leave`);
  for (const state of from) {
    if (!table[state].includes(to)) throw new Error(`no transition from ${state} to ${to}`);
  }
}

/** Whether a transition out of `from` ends the work of the record's job (it leaves the active states). */
export function endsJob<S extends string>(active: readonly S[], from: readonly S[], to: S): boolean {
  return !active.includes(to) && from.some((state) => active.includes(state));
}
