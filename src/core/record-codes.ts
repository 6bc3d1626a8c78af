/**
 * The record-level failure codes DCS reports in a backup or restore record's error_code, with the meaning
 * DCS gives each (ListBackupRecords' error_code field). Every site that fails a record names its code from
 * here; docs/errors.md's record-code table says when this service uses each, and a test holds the two
 * together. `used: false` marks the codes DCS has and this service never sets (they concern DCS's own
 * object-storage buckets, or a size query that cannot stop a backup here).
 */
export const RECORD_CODES = {
  toolFailed: { code: 'dcs.08.0001', meaning: 'failed to start the backup and restoration tool', used: true },
  timedOut: { code: 'dcs.08.0002', meaning: 'execution timed out', used: true },
  bucketDeleteFailed: { code: 'dcs.08.0003', meaning: 'failed to delete the bucket', used: false },
  credentialsUnavailable: { code: 'dcs.08.0004', meaning: 'failed to obtain the AK/SK', used: false },
  bucketCreateFailed: { code: 'dcs.08.0005', meaning: 'failed to create the bucket', used: false },
  sizeQueryFailed: { code: 'dcs.08.0006', meaning: 'failed to query the backup data size', used: false },
  restoreSyncFailed: {
    code: 'dcs.08.0007',
    meaning: 'failed to synchronize data during restoration',
    used: true,
  },
  instanceBusy: {
    code: 'dcs.08.0008',
    meaning: 'the scheduled backup task is not running; the instance is running other tasks',
    used: true,
  },
} as const;

export type RecordCodeName = keyof typeof RECORD_CODES;
export type RecordErrorCode = (typeof RECORD_CODES)[RecordCodeName]['code'];

/** Every code, in order. */
export const RECORD_ERROR_CODES: readonly RecordErrorCode[] = Object.values(RECORD_CODES)
  .map((entry) => entry.code)
  .sort();

/** The code a record fails with, by its name in the catalogue. */
export function recordCode(name: RecordCodeName): RecordErrorCode {
  return RECORD_CODES[name].code;
}
