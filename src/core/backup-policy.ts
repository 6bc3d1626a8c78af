/** When automatic backups run: DCS's weekly plan, one one-hour window (UTC) on chosen weekdays. */
export interface BackupPlan {
  /** ISO weekdays, 1 = Monday … 7 = Sunday, ascending, no repeats. */
  weekdays: number[];
  periodType: 'weekly';
  /** The UTC hour the one-hour window begins at, 0–23. */
  beginHour: number;
  /** Kept and shown as given; DCS no longer uses it and neither does the schedule (windows are UTC). */
  timezoneOffset: string | null;
}

export const POLICY_BACKUP_TYPES = ['auto', 'manual'] as const;
export type PolicyBackupType = (typeof POLICY_BACKUP_TYPES)[number];

export interface BackupPolicy {
  /** "auto" runs the plan; "manual" stops automatic backups and keeps the plan for later. */
  backupType: PolicyBackupType;
  /** Automatic backups older than this many days expire (their file is removed, the record stays). */
  saveDays: number | null;
  /** An extension: the newest N successful automatic backups never expire by age. */
  keepLast: number | null;
  /** An extension: successful automatic backups beyond the newest N expire even inside saveDays. */
  maxBackups: number | null;
  plan: BackupPlan | null;
}

/** A policy as the store keeps it. */
export interface StoredPolicy {
  id: string;
  instanceId: string;
  projectId: string;
  policy: BackupPolicy;
  createdAt: number;
  updatedAt: number;
  /** Start of the next window the scheduler has not dealt with; null when nothing is scheduled. */
  nextWindowAt: number | null;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** DCS's own bound on save_days; a service may be configured to allow more (up to MAX_SAVE_DAYS_LIMIT). */
export const DCS_MAX_SAVE_DAYS = 7;
export const MAX_SAVE_DAYS_LIMIT = 3650;
export const MAX_KEEP_COUNT = 10_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** The window as DCS writes begin_at and a record's period: "02:00-03:00" (the last one is "23:00-00:00"). */
export function windowLabel(beginHour: number): string {
  return `${pad(beginHour)}:00-${pad((beginHour + 1) % 24)}:00`;
}

/** Reads "HH:00-HH+1:00"; undefined unless it is a one-hour window on the hour. */
export function parseWindowLabel(text: string): number | undefined {
  const match = /^(\d{2}):00-(\d{2}):00$/.exec(text);
  if (!match) return undefined;
  const begin = Number(match[1]);
  const end = Number(match[2]);
  if (begin > 23 || end > 23 || end !== (begin + 1) % 24) return undefined;
  return begin;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a UTC instant. */
function isoWeekday(epochMs: number): number {
  const day = new Date(epochMs).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * The start of the first window of the plan that is still open at `at` or opens after it: a window that has
 * begun but not ended counts, so a policy set at 02:30 still gets its 02:00-03:00 run.
 */
export function firstOpenWindow(plan: BackupPlan, at: number): number {
  const midnight = Math.floor(at / DAY_MS) * DAY_MS;
  for (let day = -1; day <= 8; day++) {
    const start = midnight + day * DAY_MS + plan.beginHour * HOUR_MS;
    if (start + HOUR_MS > at && plan.weekdays.includes(isoWeekday(start))) return start;
  }
  throw new Error('a weekly plan has no weekdays');
}

/** The start of the window after the one starting at `windowStart`. */
export function windowAfter(plan: BackupPlan, windowStart: number): number {
  return firstOpenWindow(plan, windowStart + HOUR_MS);
}

/**
 * When the next automatic backup will start, as shown to clients: the start of the next window still open
 * (a window that closed while no process ran is recorded as missed, not run), or `now` when that window has
 * already begun (the scheduler starts it on its next tick). Never in the past; null when none is scheduled.
 */
export function nextBackupAt(stored: StoredPolicy, now: number): number | null {
  const { plan, backupType } = stored.policy;
  if (stored.nextWindowAt === null || plan === null || backupType !== 'auto') return null;
  const window = stored.nextWindowAt > now ? stored.nextWindowAt : firstOpenWindow(plan, now);
  return Math.max(window, now);
}
