import type { FastifyInstance } from 'fastify';
import { isUuid } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import { deleteMigrationTasks } from '../../core/use-cases/find-migration-task.ts';
import type { AppDeps } from '../app-deps.ts';
import { projectIdFrom } from '../path-params.ts';
import { migrationTaskIdBody } from '../wire/migration-task-wire.ts';

/** DeleteMigrationTask: removes finished tasks (the records only; the target keeps what was loaded). */
export function registerDeleteMigrationTasks(app: FastifyInstance, deps: AppDeps): void {
  app.delete(
    '/v2/:project_id/migration-tasks/delete',
    { schema: { body: migrationTaskIdBody } },
    async (request) => {
      const projectId = projectIdFrom(request.params);
      const { task_id_list: ids } = request.body as { task_id_list: string[] };
      if (!ids.every(isUuid)) {
        throw new DomainError('migration_task_not_found', 'The migration task does not exist.');
      }
      return { task_id_list: await deleteMigrationTasks(deps.store, projectId, ids) };
    },
  );
}
