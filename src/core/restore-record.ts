import type { RecordErrorCode } from './record-codes.ts';
import { formatCompactUtc } from './time-format.ts';

export const RESTORE_STATUSES = ['waiting', 'restoring', 'succeed', 'failed'] as const;
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

/** A restore as DCS lists it (InstanceRestoreInfo). */
export interface RestoreRecord {
  id: string;
  /** The instance restored into. */
  instanceId: string;
  backupId: string;
  backupName: string;
  backupRemark: string | null;
  /** restore_yyyyMMddHHmmss, as DCS names them. */
  name: string;
  remark: string | null;
  status: RestoreStatus;
  progressHundredths: number;
  errorCode: RecordErrorCode | null;
  createdAt: number;
  updatedAt: number | null;
}

/** What the service knows about a restore beyond the DCS record, for the detail view. */
export interface RestoreDetail {
  /** The instance the backup was taken of (restores may go into another instance of the project). */
  sourceInstanceId: string;
  errorMessage: string | null;
  startedAt: number | null;
  /** Counts and warnings of the finished (or failed) restore; null until it has any. */
  report: RestoreOutcome | null;
  /**
   * Asked for with the restore: a cluster backup may go into a standalone server, all its shards' keys in one
   * keyspace (it changes what clients see, so it is never done unasked). Absent: false.
   */
  intoStandalone?: boolean;
}

export interface RestoreOutcome {
  targetVersion: string;
  targetRdbVersion: number;
  /** How each value type went in ("set-listpack: rewrite"). */
  routes: string;
  /**
   * "replication": the target loaded the file as a replica of this service; "commands": keys written as
   * commands. Absent in older reports and in reports of restores that failed before writing.
   */
  method?: 'replication' | 'commands';
  /** Why that method: the fast path taken, or why it was not (turned off, does not apply, failed). */
  methodReason?: string;
  keysRestored: number;
  keysRelabelled: number;
  keysRewritten: number;
  keysExpired: number;
  functionLibraries: number;
  warnings: string[];
  /** host:port the keys went into: a master/standby instance's current master. Absent in older reports. */
  targetAddress?: string;
  /** For a restore into a cluster: each master, the slots it serves and the keys it was given. */
  targetShards?: { address: string; slots: string; keys: number }[];
}

export interface StoredRestore {
  record: RestoreRecord;
  detail: RestoreDetail;
}

/** The fields a restore's job may change; its status moves only by a transition (record-states.ts). */
export type RestoreChange = Partial<
  Pick<RestoreRecord, 'progressHundredths' | 'errorCode' | 'updatedAt'> &
    Pick<RestoreDetail, 'errorMessage' | 'startedAt' | 'report'>
>;

export function restoreNameFor(createdAt: number): string {
  return `restore_${formatCompactUtc(createdAt)}`;
}
