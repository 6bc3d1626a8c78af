import type { FastifyInstance } from 'fastify';
import { isUuid } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import { createMigrationTask } from '../../core/use-cases/create-migration-task.ts';
import type { AppDeps } from '../app-deps.ts';
import { projectIdFrom } from '../path-params.ts';
import { createMigrationTaskBody, type CreateMigrationTaskWire } from '../wire/migration-task-wire.ts';

/** CreateMigrationTask (backupfile_import): load a file from the bucket, or another backup's, into an instance. */
export function registerCreateMigrationTask(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/v2/:project_id/migration-task',
    { schema: { body: createMigrationTaskBody } },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      const body = request.body as CreateMigrationTaskWire;
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
  );
}
