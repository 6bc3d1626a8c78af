import type { RecordErrorCode } from './record-codes.ts';
import { formatCompactUtc } from './time-format.ts';

export const BACKUP_STATUSES = ['waiting', 'backuping', 'succeed', 'failed', 'expired', 'deleted'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

export const BACKUP_TYPES = ['manual', 'auto'] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

export const BACKUP_FORMATS = ['rdb', 'aof'] as const;
export type BackupFormat = (typeof BACKUP_FORMATS)[number];

// The record codes have their own catalogue; re-exported here, where records have always found them.
export { RECORD_ERROR_CODES, type RecordErrorCode } from './record-codes.ts';

/** Progress is kept in hundredths of a percent so "99.99" and "100.00" are exact. */
export const PROGRESS_COMPLETE = 10_000;

export interface BackupRecord {
  id: string;
  instanceId: string;
  name: string;
  type: BackupType;
  format: BackupFormat;
  status: BackupStatus;
  remark: string | null;
  /** The automatic-backup window that produced the record ("02:00-03:00"); null for manual backups. */
  period: string | null;
  errorCode: RecordErrorCode | null;
  sizeBytes: number;
  progressHundredths: number;
  restorable: boolean;
  createdAt: number;
  /** When the backup ended (succeeded or failed); null while it runs. */
  updatedAt: number | null;
  /** When the backup was planned to start. */
  executionAt: number | null;
}

/** The blob key of a backup's file: the name the clean-up pass recognises as a backup's (by its id). */
export const backupFileKey = (backupId: string, format: BackupFormat = 'rdb') => `${backupId}.${format}`;

export function backupNameFor(createdAt: number): string {
  return `backup_${formatCompactUtc(createdAt)}`;
}

export function isOneOf<T extends string>(values: readonly T[], candidate: string): candidate is T {
  return (values as readonly string[]).includes(candidate);
}
