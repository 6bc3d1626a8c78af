import type { BackupPage } from '../../core/ports.ts';
import Type, { type Static } from 'typebox';
import {
  BACKUP_FORMATS,
  BACKUP_STATUSES,
  BACKUP_TYPES,
  type BackupRecord,
} from '../../core/backup-record.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { nullable, nullableString, stringEnum } from './schema-kit.ts';

/** BackupRecordResponse exactly as DCS writes it: absent values are null, never {}. */
export type BackupRecordWire = Static<typeof backupRecordWireSchema>;

export function backupRecordToWire(record: BackupRecord): BackupRecordWire {
  return {
    backup_id: record.id,
    period: record.period,
    backup_name: record.name,
    instance_id: record.instanceId,
    size: record.sizeBytes,
    backup_type: record.type,
    created_at: formatIsoUtc(record.createdAt),
    updated_at: record.updatedAt === null ? null : formatIsoUtc(record.updatedAt),
    progress: (record.progressHundredths / 100).toFixed(2),
    error_code: record.errorCode,
    remark: record.remark,
    status: record.status,
    is_support_restore: record.restorable ? 'TRUE' : 'FALSE',
    execution_at: record.executionAt === null ? null : formatIsoUtc(record.executionAt),
    backup_format: record.format,
  };
}

export function backupPageToWire(page: BackupPage) {
  return { total_num: page.total, backup_record_response: page.records.map(backupRecordToWire) };
}

// Every field is always there (null when absent): a field renamed in the mapper fails loudly, not silently.
export const backupRecordWireSchema = Type.Object(
  {
    backup_id: Type.String({ format: 'uuid' }),
    period: nullableString(),
    backup_name: Type.String({ description: 'backup_yyyyMMddHHmmss' }),
    instance_id: Type.String({ format: 'uuid' }),
    size: Type.Integer({ description: 'bytes' }),
    backup_type: stringEnum(BACKUP_TYPES),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: nullable(Type.String({ format: 'date-time' })),
    progress: Type.String({ description: 'percent with two decimals, "100.00" when done' }),
    error_code: nullable(Type.String({ description: 'dcs.08.000x when the backup failed' })),
    remark: nullableString(),
    status: stringEnum(BACKUP_STATUSES),
    is_support_restore: stringEnum(['TRUE', 'FALSE']),
    execution_at: nullable(Type.String({ format: 'date-time' })),
    backup_format: stringEnum(BACKUP_FORMATS),
  },
  { title: 'BackupRecordResponse' },
);

export const backupPageWireSchema = Type.Object({
  total_num: Type.Integer({ description: 'records matching the filter, whatever the page' }),
  backup_record_response: Type.Array(backupRecordWireSchema),
});
