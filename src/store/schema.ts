import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Times are epoch milliseconds in bigint columns (read back as numbers),
 * booleans are 0/1, so the same queries run on SQLite and PostgreSQL.
 */
export interface InstancesTable {
  id: string;
  project_id: string;
  name: string;
  type: string;
  host: string;
  port: number;
  db: number;
  username: string | null;
  password: string | null;
  tls: number;
  engine_version: string;
  created_at: number;
  /** How many backup records the instance has, kept in the same transaction as their inserts. */
  backup_count: Generated<number>;
  /** Bumped by triggers on every write to the instance's backup and restore records (migration 0016). */
  listing_version: Generated<number | string>;
  /** JSON [{host, port}] of the Sentinels that know the master; null when the instance is reached directly. */
  sentinel_nodes: string | null;
  sentinel_master: string | null;
  sentinel_username: string | null;
  /** Sealed with the master key, as password. */
  sentinel_password: string | null;
  /** JSON of the cluster topology; null for other instance types. */
  topology: string | null;
}

export interface BackupsTable {
  id: string;
  instance_id: string;
  name: string;
  backup_type: string;
  backup_format: string;
  status: string;
  remark: string | null;
  period: string | null;
  error_code: string | null;
  size_bytes: number;
  progress: number;
  restorable: number;
  created_at: number;
  updated_at: number | null;
  execution_at: number | null;
  sha256: string | null;
  rdb_version: number | null;
  source_version: string | null;
  replication_id: string | null;
  replication_offset: number | null;
  started_at: number | null;
  error_message: string | null;
  file_key: string | null;
  estimated_bytes: number | null;
  bytes_received: Generated<number>;
  /** When a successful automatic backup expires under its instance's policy; null when it does not. */
  expires_at: number | null;
  /** JSON of what the last verify found; null until a backup is verified. */
  content_summary: string | null;
  /** JSON of the node the backup was read from (role, address, reason). */
  served_by: string | null;
  /** The blob store holding the file (see BlobStore.id); null for records older than store ids. */
  store_id: Generated<string | null>;
  /** JSON of a cluster backup's per-shard files; null for a backup of one server. */
  shard_files: string | null;
}

export interface RestoresTable {
  id: string;
  instance_id: string;
  source_instance_id: string;
  backup_id: string;
  backup_name: string;
  backup_remark: string | null;
  name: string;
  remark: string | null;
  status: string;
  progress: number;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number | null;
  started_at: number | null;
  report: string | null;
  into_standalone: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  instance_id: string;
  backup_id: string;
  state: string;
  owner: string | null;
  lease_until: number | null;
  created_at: number;
  finished_at: number | null;
  created_request_id: string | null;
  /** Only a process over this blob store may claim the job; null: any. */
  store_id: string | null;
}

export interface CredentialsTable {
  access_key: string;
  secret: string;
  project_id: string | null;
  role: string;
  description: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface BackupPoliciesTable {
  instance_id: string;
  id: string;
  project_id: string;
  backup_type: string;
  save_days: number | null;
  keep_last: number | null;
  max_backups: number | null;
  /** ISO weekdays joined by commas: "1,3,5". */
  weekdays: string | null;
  period_type: string | null;
  begin_hour: number | null;
  timezone_offset: string | null;
  created_at: number;
  updated_at: number;
  next_window_at: number | null;
}

export interface SeenSignaturesTable {
  signature: string;
  access_key: string;
  expires_at: number;
}

export interface NodesTable {
  id: string;
  host_name: string;
  pid: number;
  url: string;
  store_id: string;
  version: string;
  started_at: number;
  heartbeat_at: number;
  heartbeat_ms: number;
  stopped_at: number | null;
}

export interface Database {
  instances: InstancesTable;
  backups: BackupsTable;
  jobs: JobsTable;
  credentials: CredentialsTable;
  backup_policies: BackupPoliciesTable;
  restores: RestoresTable;
  seen_signatures: SeenSignaturesTable;
  nodes: NodesTable;
  migration_tasks: MigrationTasksTable;
}

export interface MigrationTasksTable {
  id: string;
  project_id: string;
  instance_id: string;
  name: string;
  description: string | null;
  status: string;
  file_source: string;
  bucket_name: string | null;
  files: string;
  backup_id: string | null;
  error_message: string | null;
  report: string | null;
  created_at: number;
  updated_at: number | null;
}
