import type { Insertable, Selectable } from 'kysely';
import type {
  BackupFormat,
  BackupRecord,
  BackupStatus,
  BackupType,
  RecordErrorCode,
} from '../core/backup-record.ts';
import type { ClusterTopology } from '../core/cluster-topology.ts';
import type { Instance, InstanceType, SentinelSet } from '../core/instance.ts';
import type { BackupChange, BackupDetail, ContentSummary, ShardFile } from '../core/backup-detail.ts';
import type { BackupSource } from '../core/backup-source.ts';
import type { Job } from '../core/job.ts';
import type { BackupsTable, InstancesTable, JobsTable } from './schema.ts';

/** The columns the listing reads: the DCS record and nothing more, since each column costs on the hot path. */
export const BACKUP_LIST_COLUMNS = [
  'id',
  'instance_id',
  'name',
  'backup_type',
  'backup_format',
  'status',
  'remark',
  'period',
  'error_code',
  'size_bytes',
  'progress',
  'restorable',
  'created_at',
  'updated_at',
  'execution_at',
] as const;

export type BackupListRow = Pick<Selectable<BackupsTable>, (typeof BACKUP_LIST_COLUMNS)[number]>;

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
    ...sentinelToRow(instance.sentinel ?? null),
    topology: instance.topology === null ? null : JSON.stringify(instance.topology),
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
    topology: row.topology === null ? null : (JSON.parse(row.topology) as ClusterTopology),
    // Only instances found through Sentinel carry the field, so the others read back as they were written.
    ...sentinelOf(row),
  };
}

/** The Sentinel columns (migration 0009): null for instances reached directly. */
function sentinelToRow(sentinel: SentinelSet | null) {
  return {
    sentinel_nodes: sentinel ? JSON.stringify(sentinel.nodes) : null,
    sentinel_master: sentinel?.masterName ?? null,
    sentinel_username: sentinel?.username ?? null,
    sentinel_password: sentinel?.password ?? null,
  };
}

function sentinelOf(row: Selectable<InstancesTable>): { sentinel?: SentinelSet } {
  if (row.sentinel_nodes === null || row.sentinel_master === null) return {};
  return {
    sentinel: {
      nodes: JSON.parse(row.sentinel_nodes) as SentinelSet['nodes'],
      masterName: row.sentinel_master,
      username: row.sentinel_username,
      password: row.sentinel_password,
    },
  };
}

export function backupToRow(record: BackupRecord): Insertable<BackupsTable> {
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

export function rowToBackup(row: BackupListRow): BackupRecord {
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

export function rowToDetail(row: Selectable<BackupsTable>): BackupDetail {
  return {
    sha256: row.sha256,
    rdbVersion: row.rdb_version,
    sourceVersion: row.source_version,
    replicationId: row.replication_id,
    replicationOffset: row.replication_offset === null ? null : Number(row.replication_offset),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    errorMessage: row.error_message,
    fileKey: row.file_key,
    storeId: row.store_id,
    bytesReceived: Number(row.bytes_received),
    estimatedBytes: row.estimated_bytes === null ? null : Number(row.estimated_bytes),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    content: row.content_summary === null ? null : (JSON.parse(row.content_summary) as ContentSummary),
    servedBy: row.served_by === null ? null : (JSON.parse(row.served_by) as BackupSource),
    shards: row.shard_files === null ? null : (JSON.parse(row.shard_files) as ShardFile[]),
  };
}

const CHANGE_COLUMNS: { [K in keyof Required<BackupChange>]: keyof BackupsTable } = {
  errorCode: 'error_code',
  sizeBytes: 'size_bytes',
  progressHundredths: 'progress',
  restorable: 'restorable',
  updatedAt: 'updated_at',
  sha256: 'sha256',
  rdbVersion: 'rdb_version',
  sourceVersion: 'source_version',
  replicationId: 'replication_id',
  replicationOffset: 'replication_offset',
  startedAt: 'started_at',
  errorMessage: 'error_message',
  fileKey: 'file_key',
  storeId: 'store_id',
  bytesReceived: 'bytes_received',
  estimatedBytes: 'estimated_bytes',
  expiresAt: 'expires_at',
  content: 'content_summary',
  servedBy: 'served_by',
  shards: 'shard_files',
};

export function changeToRow(change: BackupChange): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    const column = CHANGE_COLUMNS[key as keyof BackupChange];
    if (key === 'content' || key === 'servedBy' || key === 'shards') {
      row[column] = value === null ? null : JSON.stringify(value);
    } else row[column] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  return row;
}

export function jobToRow(job: Job): JobsTable {
  return {
    id: job.id,
    kind: job.kind,
    instance_id: job.instanceId,
    backup_id: job.backupId,
    state: job.state,
    owner: job.owner,
    lease_until: job.leaseUntil,
    created_at: job.createdAt,
    finished_at: job.finishedAt,
    created_request_id: job.requestId ?? null,
    store_id: job.storeId ?? null,
  };
}

export function rowToJob(row: JobsTable): Job {
  return {
    id: row.id,
    kind: row.kind as Job['kind'],
    instanceId: row.instance_id,
    backupId: row.backup_id,
    state: row.state as Job['state'],
    owner: row.owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
    requestId: row.created_request_id,
    storeId: row.store_id,
  };
}
