import type { RestorePage } from '../../core/ports.ts';
import Type from 'typebox';
import { RESTORE_STATUSES, type RestoreRecord, type StoredRestore } from '../../core/restore-record.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { nullable, nullableInteger, nullableString, stringEnum } from './schema-kit.ts';

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
    restore_method: report?.method ?? null,
    restore_method_reason: report?.methodReason ?? null,
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

export const restoreRecordWireSchema = Type.Object(
  {
    restore_id: Type.String({ format: 'uuid' }),
    backup_id: Type.String({ format: 'uuid' }),
    backup_name: Type.String(),
    restore_name: Type.String(),
    backup_remark: nullableString(),
    restore_remark: nullableString(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: nullable(Type.String({ format: 'date-time' })),
    progress: Type.String(),
    error_code: nullableString(),
    status: stringEnum(RESTORE_STATUSES),
  },
  { title: 'InstanceRestoreInfo' },
);

export const restorePageWireSchema = Type.Object({
  total_num: Type.Integer(),
  restore_record_response: Type.Array(restoreRecordWireSchema),
});

export const restoreDetailWireSchema = Type.Object(
  {
    ...restoreRecordWireSchema.properties,
    instance_id: Type.String({ format: 'uuid' }),
    source_instance_id: Type.String({ format: 'uuid' }),
    started_at: nullable(Type.String({ format: 'date-time' })),
    error_message: nullableString(),
    target_version: nullableString(),
    target_rdb_version: nullableInteger(),
    routes: nullableString(),
    restore_method: nullableString(),
    restore_method_reason: nullableString(),
    keys_restored: nullableInteger(),
    keys_relabelled: nullableInteger(),
    keys_rewritten: nullableInteger(),
    keys_expired: nullableInteger(),
    function_libraries: nullableInteger(),
    warnings: Type.Array(Type.String()),
    target_address: nullableString(),
    into_standalone: Type.Boolean(),
    target_shards: Type.Array(
      Type.Object({ address: Type.String(), slots: Type.String(), keys: Type.Integer() }),
    ),
  },
  { title: 'RestoreDetail' },
);
