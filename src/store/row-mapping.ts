import type { Insertable, Selectable } from 'kysely';
import type {
  BackupFormat,
  BackupRecord,
  BackupStatus,
  BackupType,
  RecordErrorCode,
} from '../core/backup-record.ts';
import type { Instance, InstanceType } from '../core/instance.ts';
import type { BackupsTable, InstancesTable } from './schema.ts';

// The database only ever holds values written through these functions, so the casts below restore the
// types the rows were written with.

export function instanceToRow(instance: Instance): Insertable<InstancesTable> {
  const { endpoint } = instance;
  return {
    id: instance.id,
    project_id: instance.projectId,
    name: instance.name,
    type: instance.type,
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    username: endpoint.username,
    password: endpoint.password,
    tls: endpoint.tls ? 1 : 0,
    engine_version: instance.engineVersion,
    created_at: instance.createdAt,
  };
}

export function rowToInstance(row: Selectable<InstancesTable>): Instance {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    type: row.type as InstanceType,
    endpoint: {
      host: row.host,
      port: row.port,
      db: row.db,
      username: row.username,
      password: row.password,
      tls: row.tls === 1,
    },
    engineVersion: row.engine_version,
    createdAt: Number(row.created_at),
  };
}

export function backupToRow(record: BackupRecord): BackupsTable {
  return {
    id: record.id,
    instance_id: record.instanceId,
    name: record.name,
    backup_type: record.type,
    backup_format: record.format,
    status: record.status,
    remark: record.remark,
    period: record.period,
    error_code: record.errorCode,
    size_bytes: record.sizeBytes,
    progress: record.progressHundredths,
    restorable: record.restorable ? 1 : 0,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    execution_at: record.executionAt,
  };
}

export function rowToBackup(row: BackupsTable): BackupRecord {
  return {
    id: row.id,
    instanceId: row.instance_id,
    name: row.name,
    type: row.backup_type as BackupType,
    format: row.backup_format as BackupFormat,
    status: row.status as BackupStatus,
    remark: row.remark,
    period: row.period,
    errorCode: row.error_code as RecordErrorCode | null,
    sizeBytes: Number(row.size_bytes),
    progressHundredths: row.progress,
    restorable: row.restorable === 1,
    createdAt: Number(row.created_at),
    updatedAt: row.updated_at === null ? null : Number(row.updated_at),
    executionAt: row.execution_at === null ? null : Number(row.execution_at),
  };
}
