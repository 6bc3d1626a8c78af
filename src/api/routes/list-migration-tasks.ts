import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.ts';
import { projectIdFrom } from '../path-params.ts';
import { parseListWindow, type RawQuery } from '../wire/list-query.ts';
import { migrationTaskSummaryToWire } from '../wire/migration-task-wire.ts';

/** ListMigrationTask: the project's tasks, newest first, with DCS's offset/limit and an exact name filter. */
export function registerListMigrationTasks(app: FastifyInstance, deps: AppDeps): void {
  app.get('/v2/:project_id/migration-tasks', async (request) => {
    const projectId = projectIdFrom(request.params);
    const query = request.query as RawQuery;
    const { offset, limit } = parseListWindow(query);
    const name = typeof query.name === 'string' && query.name !== '' ? query.name : undefined;
    const page = await deps.store.migrationTasks.list(projectId, {
      offset,
      limit,
      ...(name ? { name } : {}),
    });
    const tasks = [];
    for (const task of page.tasks) {
      tasks.push(
        migrationTaskSummaryToWire(task, await deps.store.instances.findById(task.targetInstanceId)),
      );
    }
    return { count: page.total, migration_tasks: tasks };
  });
}
