import Type from 'typebox';
import { isUuid } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectParams } from '../path-params.ts';
import { createMigrationTask } from '../../core/use-cases/create-migration-task.ts';
import { createMigrationTaskBody, type CreateMigrationTaskWire } from '../wire/migration-task-wire.ts';

/** CreateMigrationTask (backupfile_import): load a file from the bucket, or another backup's, into an instance. */
export const CreateMigrationTask = defineOperation({
  id: 'CreateMigrationTask',
  method: 'POST',
  path: '/v2/:project_id/migration-task',
  access: 'write',
  summary: 'Import a backup file (RDB or AOF, from the bucket or a backup record) into an instance',
  coverage: {
    family: 'dcs',
    label: 'backup import',
    status:
      '**supported** for `migration_type` `backupfile_import` with `migration_method` `full_amount_migration`: `backup_files` `self_build_obs` (`bucket_name` and one file the project uploaded with UploadImportFile, named as that operation answers; no other key of the store) or `backup_record` (`backup_id` of any instance of the project); the file (RDB 1–12, Valkey, or AOF) is checked whole, then loaded as commands; into a cluster, an RDB file or a cluster backup (one file per shard) goes key by key to the master of its slot, and an AOF file command by command to the master of the slot of its keys (found with the COMMAND table of the cluster; FUNCTION LOAD to every master; SELECT of a database other than 0, a command or MULTI block spanning slots, and keyless commands refused before anything is written); answers `{id, name, status}`; `DCS.4960`–`DCS.4962` for what it cannot take',
  },
  schemas: {
    params: projectParams,
    body: Type.Unsafe<CreateMigrationTaskWire>(createMigrationTaskBody),
    responses: {
      200: Type.Object({ id: Type.String(), name: Type.String(), status: Type.String() }),
    },
  },
  errors: [
    'instance_not_found',
    'backup_not_found',
    'backup_not_ready',
    'import_method_unsupported',
    'import_file_missing',
    'import_too_many_files',
    'backup_in_progress',
    'restore_in_progress',
  ],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const body = request.body;
    if (!isUuid(body.target_instance.id)) {
      throw new DomainError('instance_not_found', 'This DCS instance does not exist.');
    }
    const source = body.backup_files;
    if (source.file_source === 'backup_record' && !(source.backup_id && isUuid(source.backup_id))) {
      throw new DomainError('backup_not_found', 'The backup does not exist or has been deleted.');
    }
    const task = await createMigrationTask(deps, {
      projectId,
      name: body.task_name,
      description: body.description ?? null,
      migrationType: body.migration_type,
      migrationMethod: body.migration_method,
      fileSource: source.file_source,
      bucketName: source.bucket_name ?? null,
      files: (source.files ?? []).map((f) => ({
        fileName: f.file_name,
        size: f.size === undefined ? null : String(f.size),
        updateAt: f.update_at ?? null,
      })),
      backupId: source.backup_id ?? null,
      targetInstanceId: body.target_instance.id,
      requestId: request.id,
    });
    request.log.info({ taskId: task.id, instanceId: task.targetInstanceId }, 'import queued');
    return { id: task.id, name: task.name, status: task.status };
  },
});
