import Type from 'typebox';
import { isUuid } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectParams } from '../path-params.ts';
import { deleteMigrationTasks } from '../../core/use-cases/find-migration-task.ts';
import { migrationTaskIdBody } from '../wire/migration-task-wire.ts';

/** DeleteMigrationTask: removes finished tasks (the records only; the target keeps what was loaded). */
export const DeleteMigrationTask = defineOperation({
  id: 'DeleteMigrationTask',
  method: 'DELETE',
  path: '/v2/:project_id/migration-tasks/delete',
  access: 'write',
  summary: 'Remove finished migration tasks (the records; the target keeps what was loaded)',
  coverage: {
    family: 'dcs',
    status:
      '**supported**: body `task_id_list`; removes finished tasks and answers the ids removed; an unknown id `DCS.4133`, a running task `DCS.4963` (nothing removed)',
  },
  schemas: {
    params: projectParams,
    body: Type.Unsafe<{ task_id_list: string[] }>(migrationTaskIdBody),
    responses: { 200: Type.Object({ task_id_list: Type.Array(Type.String()) }) },
  },
  errors: ['migration_task_not_found', 'migration_task_running'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const ids = request.body.task_id_list;
    if (!ids.every(isUuid)) {
      throw new DomainError('migration_task_not_found', 'The migration task does not exist.');
    }
    return { task_id_list: await deleteMigrationTasks(deps.store, projectId, ids) };
  },
});
