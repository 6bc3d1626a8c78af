import type { FastifyInstance } from 'fastify';
import { isUuid } from '../../core/ids.ts';
import { DomainError } from '../../core/errors.ts';
import { findMigrationTask } from '../../core/use-cases/find-migration-task.ts';
import type { AppDeps } from '../app-deps.ts';
import { projectIdFrom } from '../path-params.ts';
import { migrationTaskDetailToWire } from '../wire/migration-task-wire.ts';

/** ShowMigrationTask: one task; an unknown one answers DCS.4133, which the Terraform provider reads as gone. */
export function registerShowMigrationTask(app: FastifyInstance, deps: AppDeps): void {
  app.get('/v2/:project_id/migration-task/:task_id', async (request) => {
    const projectId = projectIdFrom(request.params);
    const taskId = (request.params as { task_id?: string }).task_id ?? '';
    if (!isUuid(taskId))
      throw new DomainError('migration_task_not_found', 'The migration task does not exist.');
    const task = await findMigrationTask(deps.store, projectId, taskId);
    return migrationTaskDetailToWire(task, await deps.store.instances.findById(task.targetInstanceId));
  });
}
