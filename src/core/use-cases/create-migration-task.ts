import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import { queuedJob } from '../job.ts';
import type { FileSource, ImportFile, MigrationTask } from '../migration-task.ts';
import type { BlobStore, MetadataStore } from '../ports.ts';
import { requireInstance } from './require-instance.ts';
import { isImportFileKeyOf } from './store-import-file.ts';

export interface CreateMigrationTaskRequest {
  projectId: string;
  name: string;
  description: string | null;
  migrationType: string;
  migrationMethod: string;
  fileSource: FileSource;
  bucketName: string | null;
  files: ImportFile[];
  backupId: string | null;
  targetInstanceId: string;
  requestId?: string;
}

export interface CreateMigrationTaskDeps {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  onQueued?: () => void;
}

/**
 * CreateMigrationTask of type backupfile_import: checks what can be checked at once (the target, the method, the
 * file or backup record) and queues the job that loads the file. The target's password in the request is not
 * kept: the instance's own credentials are used.
 */
export async function createMigrationTask(
  deps: CreateMigrationTaskDeps,
  request: CreateMigrationTaskRequest,
): Promise<MigrationTask> {
  if (request.migrationType !== 'backupfile_import') {
    throw new DomainError(
      'import_method_unsupported',
      `migration_type "${request.migrationType}" is not supported: only backupfile_import is.`,
    );
  }
  if (request.migrationMethod !== 'full_amount_migration') {
    throw new DomainError(
      'import_method_unsupported',
      `migration_method "${request.migrationMethod}" is not supported for a backup file import: only full_amount_migration is.`,
    );
  }
  const target = await requireInstance(deps.store, request.projectId, request.targetInstanceId);
  if (request.fileSource === 'self_build_obs') await checkFiles(deps.blobs, request);
  else await checkBackupRecord(deps.store, request);
  const now = deps.clock.now();
  const task: MigrationTask = {
    id: newId(),
    projectId: request.projectId,
    name: request.name,
    description: request.description,
    status: 'MIGRATING',
    targetInstanceId: target.id,
    fileSource: request.fileSource,
    bucketName: request.bucketName,
    files: request.fileSource === 'self_build_obs' ? request.files : [],
    backupId: request.fileSource === 'backup_record' ? request.backupId : null,
    errorMessage: null,
    report: null,
    createdAt: now,
    updatedAt: null,
  };
  // Only a process over the store holding the file can read it (a local directory is one node's).
  const job = queuedJob('import', target.id, task.id, now, request.requestId ?? null, deps.blobs.id);
  await deps.store.migrationTasks.insertQueued(task, job);
  deps.onQueued?.();
  return task;
}

async function checkFiles(blobs: BlobStore, request: CreateMigrationTaskRequest): Promise<void> {
  if (!request.bucketName) {
    throw new DomainError('import_file_missing', 'backup_files.bucket_name is required for self_build_obs.');
  }
  if (request.files.length === 0) {
    throw new DomainError('import_file_missing', 'backup_files.files must name the file to import.');
  }
  if (request.files.length > 1) {
    throw new DomainError(
      'import_too_many_files',
      'One file per import task: a single instance holds one dataset.',
    );
  }
  const name = request.files[0]!.fileName;
  // Only this project's uploads: the store also holds every project's backup files and the other projects'
  // uploads, and a task naming one of those would load another tenant's data into this project's instance.
  if (!isImportFileKeyOf(request.projectId, name)) {
    throw new DomainError(
      'import_file_missing',
      `The file ${JSON.stringify(name)} is not one of this project's uploaded files (PUT .../import-files/{file_name} answers the name to give).`,
    );
  }
  const size = await blobs.size(name).catch(() => undefined);
  if (size === undefined) {
    throw new DomainError('import_file_missing', `The file ${JSON.stringify(name)} is not in the bucket.`);
  }
}

async function checkBackupRecord(store: MetadataStore, request: CreateMigrationTaskRequest): Promise<void> {
  const stored = request.backupId ? await store.backups.findById(request.backupId) : undefined;
  const source = stored && (await store.instances.findById(stored.record.instanceId));
  if (!stored || !source || source.projectId !== request.projectId) {
    throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
  }
  if (stored.record.status !== 'succeed' || stored.detail.fileKey === null) {
    throw new DomainError(
      'backup_not_ready',
      `The backup has no file to import: its status is ${stored.record.status}.`,
    );
  }
}
