import type { BackupPage } from '../../core/ports.ts';
import type { BackupRecord } from '../../core/backup-record.ts';
import { formatIsoUtc } from '../../core/time-format.ts';

/** BackupRecordResponse exactly as DCS writes it: absent values are null, never {}. */
export interface BackupRecordWire {
  backup_id: string;
  period: string | null;
  backup_name: string;
  instance_id: string;
  size: number;
  backup_type: string;
  created_at: string;
  updated_at: string | null;
  progress: string;
  error_code: string | null;
  remark: string | null;
  status: string;
  is_support_restore: 'TRUE' | 'FALSE';
  execution_at: string | null;
  backup_format: string;
}

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

const nullableString = { type: ['string', 'null'] } as const;

export const backupRecordWireSchema = {
  type: 'object',
  properties: {
    backup_id: { type: 'string' },
    period: nullableString,
    backup_name: { type: 'string' },
    instance_id: { type: 'string' },
    size: { type: 'integer' },
    backup_type: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: nullableString,
    progress: { type: 'string' },
    error_code: nullableString,
    remark: nullableString,
    status: { type: 'string' },
    is_support_restore: { type: 'string' },
    execution_at: nullableString,
    backup_format: { type: 'string' },
  },
  required: [
    'backup_id',
    'period',
    'backup_name',
    'instance_id',
    'size',
    'backup_type',
    'created_at',
    'updated_at',
    'progress',
    'error_code',
    'remark',
    'status',
    'is_support_restore',
    'execution_at',
    'backup_format',
  ],
} as const;

export const backupPageWireSchema = {
  type: 'object',
  properties: {
    total_num: { type: 'integer' },
    backup_record_response: { type: 'array', items: backupRecordWireSchema },
  },
  required: ['total_num', 'backup_record_response'],
} as const;
