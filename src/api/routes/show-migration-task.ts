import Type from 'typebox';
import { isUuid, UUID_PATTERN } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectParams } from '../path-params.ts';
import { findMigrationTask } from '../../core/use-cases/find-migration-task.ts';
import { migrationTaskDetailToWire } from '../wire/migration-task-wire.ts';

/** The answer as DCS shapes it; its fields are listed in docs/api-coverage.md. */
const answer = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });

/** ShowMigrationTask: one task; an unknown one answers DCS.4133, which the Terraform provider reads as gone. */
export const ShowMigrationTask = defineOperation({
  id: 'ShowMigrationTask',
  method: 'GET',
  path: '/v2/:project_id/migration-task/:task_id',
  access: 'read',
  summary: 'One migration (backup-file import) task',
  coverage: {
    family: 'dcs',
    status:
      '**supported** for import tasks, plus `error_message` and `report` (format, RDB version, commands, keys, warnings); an unknown task answers 404 `DCS.4133`',
  },
  schemas: {
    params: Type.Object({
      ...projectParams.properties,
      task_id: Type.String({ pattern: UUID_PATTERN, description: 'DCS.4133 otherwise' }),
    }),
    responses: { 200: answer },
  },
  errors: ['migration_task_not_found'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const taskId = request.params.task_id;
    if (!isUuid(taskId))
      throw new DomainError('migration_task_not_found', 'The migration task does not exist.');
    const task = await findMigrationTask(deps.store, projectId, taskId);
    return migrationTaskDetailToWire(task, await deps.store.instances.findById(task.targetInstanceId));
  },
});
