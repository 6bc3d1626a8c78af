import type { BackupFormat, BackupRecord, BackupStatus, BackupType } from './backup-record.ts';
import type { Instance, RedisEndpoint } from './instance.ts';

/** A filter over one instance's backup records; every field but instanceId, limit and offset is optional. */
export interface BackupQuery {
  instanceId: string;
  /** Inclusive lower bound on createdAt (epoch ms). */
  createdFrom?: number;
  /** Exclusive upper bound on createdAt (epoch ms). */
  createdBefore?: number;
  statuses?: readonly BackupStatus[];
  types?: readonly BackupType[];
  formats?: readonly BackupFormat[];
  limit: number;
  offset: number;
}

export interface BackupPage {
  /** How many records match the filter, whatever the page. */
  total: number;
  /** Newest first; ties broken by id, so consecutive pages never overlap or skip. */
  records: BackupRecord[];
}

export interface InstanceRepository {
  insert(instance: Instance): Promise<void>;
  findById(id: string): Promise<Instance | undefined>;
  /** Instances of one project, or of every project when projectId is undefined; oldest first. */
  list(projectId?: string): Promise<Instance[]>;
  /** Removes the instance and its backup records in one transaction. */
  delete(id: string): Promise<void>;
}

export interface BackupRepository {
  insert(record: BackupRecord): Promise<void>;
  /** Inserts many records in one transaction: all or none. */
  insertMany(records: readonly BackupRecord[]): Promise<void>;
  list(query: BackupQuery): Promise<BackupPage>;
  /** How many of an instance's records are in one of the given states. */
  countByStatus(instanceId: string, statuses: readonly BackupStatus[]): Promise<number>;
}

/** The metadata store: SQLite or PostgreSQL behind the same interface. */
export interface MetadataStore {
  readonly instances: InstanceRepository;
  readonly backups: BackupRepository;
  close(): Promise<void>;
}

export interface RedisServerInfo {
  engineVersion: string;
}

/** Checks that a Redis server answers and accepts the credentials, and reads what the instance shows. */
export interface RedisProbe {
  probe(endpoint: RedisEndpoint): Promise<RedisServerInfo>;
}
