import type { RestorePage } from '../../core/ports.ts';
import type { RestoreRecord, StoredRestore } from '../../core/restore-record.ts';
import { formatIsoUtc } from '../../core/time-format.ts';

/** InstanceRestoreInfo as DCS writes it: every field a string (or null when there is none). */
export function restoreRecordToWire(record: RestoreRecord) {
  return {
    restore_id: record.id,
    backup_id: record.backupId,
    backup_name: record.backupName,
    restore_name: record.name,
    backup_remark: record.backupRemark,
    restore_remark: record.remark,
    created_at: formatIsoUtc(record.createdAt),
    updated_at: record.updatedAt === null ? null : formatIsoUtc(record.updatedAt),
    progress: (record.progressHundredths / 100).toFixed(2),
    error_code: record.errorCode,
    status: record.status,
  };
}

export function restorePageToWire(page: RestorePage) {
  return { total_num: page.total, restore_record_response: page.records.map(restoreRecordToWire) };
}

/** ShowRestore, an extension: the DCS record plus what the restore did and why it failed. */
export function restoreDetailToWire({ record, detail }: StoredRestore) {
  const report = detail.report;
  return {
    ...restoreRecordToWire(record),
    instance_id: record.instanceId,
    source_instance_id: detail.sourceInstanceId,
    started_at: detail.startedAt === null ? null : formatIsoUtc(detail.startedAt),
    error_message: detail.errorMessage,
    target_version: report?.targetVersion ?? null,
    target_rdb_version: report?.targetRdbVersion ?? null,
    routes: report?.routes ?? null,
    keys_restored: report?.keysRestored ?? null,
    keys_relabelled: report?.keysRelabelled ?? null,
    keys_rewritten: report?.keysRewritten ?? null,
    keys_expired: report?.keysExpired ?? null,
    function_libraries: report?.functionLibraries ?? null,
    warnings: report?.warnings ?? [],
    target_address: report?.targetAddress ?? null,
    into_standalone: detail.intoStandalone === true,
    target_shards: (report?.targetShards ?? []).map((shard) => ({
      address: shard.address,
      slots: shard.slots,
      keys: shard.keys,
    })),
  };
}

const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;

export const restoreRecordWireSchema = {
  type: 'object',
  properties: {
    restore_id: { type: 'string' },
    backup_id: { type: 'string' },
    backup_name: { type: 'string' },
    restore_name: { type: 'string' },
    backup_remark: nullableString,
    restore_remark: nullableString,
    created_at: { type: 'string' },
    updated_at: nullableString,
    progress: { type: 'string' },
    error_code: nullableString,
    status: { type: 'string' },
  },
} as const;

export const restorePageWireSchema = {
  type: 'object',
  properties: {
    total_num: { type: 'integer' },
    restore_record_response: { type: 'array', items: restoreRecordWireSchema },
  },
} as const;

export const restoreDetailWireSchema = {
  type: 'object',
  properties: {
    ...restoreRecordWireSchema.properties,
    instance_id: { type: 'string' },
    source_instance_id: { type: 'string' },
    started_at: nullableString,
    error_message: nullableString,
    target_version: nullableString,
    target_rdb_version: nullableInteger,
    routes: nullableString,
    keys_restored: nullableInteger,
    keys_relabelled: nullableInteger,
    keys_rewritten: nullableInteger,
    keys_expired: nullableInteger,
    function_libraries: nullableInteger,
    warnings: { type: 'array', items: { type: 'string' } },
    target_address: nullableString,
    into_standalone: { type: 'boolean' },
    target_shards: {
      type: 'array',
      items: {
        type: 'object',
        properties: { address: { type: 'string' }, slots: { type: 'string' }, keys: { type: 'integer' } },
      },
    },
  },
} as const;
