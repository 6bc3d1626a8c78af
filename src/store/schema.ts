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
}

export interface Database {
  instances: InstancesTable;
  backups: BackupsTable;
}
