// A backup-file import task (DCS "migration task" of type backupfile_import): one or more files loaded into an
// instance. Kept apart from backups and restores: its own statuses, as DCS shows them.

export const MIGRATION_STATUSES = ['MIGRATING', 'SUCCESS', 'FAILED'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];
export const ACTIVE_MIGRATION_STATUSES: readonly MigrationStatus[] = ['MIGRATING'];

export const FILE_SOURCES = ['self_build_obs', 'backup_record'] as const;
export type FileSource = (typeof FILE_SOURCES)[number];

/** A file named by the request (self_build_obs): a key of the blob store, with what the caller says of it. */
export interface ImportFile {
  fileName: string;
  size: string | null;
  updateAt: string | null;
}

export interface MigrationTask {
  id: string;
  projectId: string;
  name: string;
  description: string | null;
  status: MigrationStatus;
  targetInstanceId: string;
  fileSource: FileSource;
  bucketName: string | null;
  files: ImportFile[];
  /** For file_source backup_record: the backup whose file is loaded. */
  backupId: string | null;
  /** Why it failed, in words; null otherwise. */
  errorMessage: string | null;
  /** What was loaded (format, RDB version, commands), for the detail. */
  report: ImportReport | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface ImportReport {
  format: 'rdb' | 'aof';
  rdbVersion: number | null;
  commands: number;
  keys: number | null;
  warnings: string[];
}

export type MigrationChange = Partial<Pick<MigrationTask, 'errorMessage' | 'report' | 'updatedAt'>>;
