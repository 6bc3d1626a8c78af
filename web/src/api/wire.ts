/** The API's answers as the console reads them (snake_case, as on the wire). */
export interface PolicyWire {
  backup_type: 'auto' | 'manual';
  save_days: number | null;
  periodical_backup_plan: {
    backup_at: number[];
    period_type: string;
    begin_at: string;
    timezone_offset: string | null;
  } | null;
  keep_last: number | null;
  max_backups: number | null;
}

export interface InstanceWire {
  instance_id: string;
  name: string;
  engine: string;
  engine_version: string;
  cache_mode: string;
  ip: string;
  port: number;
  status: string;
  project_id: string;
  instance_backup_policy: { policy: PolicyWire; next_backup_at: string | null } | null;
  created_at: string;
}

export interface BackupRecordWire {
  backup_id: string;
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
  backup_format: string;
}

export interface BackupPageWire {
  total_num: number;
  backup_record_response: BackupRecordWire[];
}

export interface BackupDetailWire extends BackupRecordWire {
  phase: string;
  sha256: string | null;
  rdb_version: number | null;
  source_version: string | null;
  started_at: string | null;
  duration_ms: number | null;
  bytes_received: number;
  estimated_bytes: number | null;
  error_message: string | null;
  expires_at: string | null;
  content: {
    result: string;
    problem: string | null;
    keys_per_db: Record<string, number>;
    keys_per_type: Record<string, number>;
    keys_with_expiry: number;
    warnings: string[];
  } | null;
}

export interface RestoreRecordWire {
  restore_id: string;
  backup_id: string;
  backup_name: string;
  restore_name: string;
  created_at: string;
  updated_at: string | null;
  progress: string;
  error_code: string | null;
  status: string;
}

export interface RestoreDetailWire extends RestoreRecordWire {
  instance_id: string;
  source_instance_id: string;
  error_message: string | null;
  keys_restored: number | null;
  warnings: string[];
  /** How the keys went in: `replication` (the target loaded the file as a replica) or `commands`. */
  restore_method: string | null;
  restore_method_reason: string | null;
}

export interface LinksWire {
  links: { file_name: string; link: string }[];
  expires_at: string;
  sha256: string | null;
}

/** ShowInstanceKeyspace: what the instance holds now, read live; null counts come with the reason. */
export interface KeyspaceWire {
  instance_id: string;
  key_count: number | null;
  databases: { db: number; keys: number }[] | null;
  masters_read: number;
  read_at: string;
  unavailable_reason: string | null;
}

export interface CredentialWire {
  access_key: string;
  project_id: string | null;
  role: string;
  description: string | null;
  created_at: string;
  revoked_at: string | null;
  secret_key?: string;
}

/** Sum of the keys of every database in a backup's content, or null when the backup has none recorded. */
export function keyCountOf(detail: Pick<BackupDetailWire, 'content'>): number | null {
  if (!detail.content) return null;
  return Object.values(detail.content.keys_per_db).reduce((sum, n) => sum + n, 0);
}
