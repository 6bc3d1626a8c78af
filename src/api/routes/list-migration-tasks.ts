import Type from 'typebox';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectParams } from '../path-params.ts';
import { parseListWindow } from '../wire/list-query.ts';
import { migrationTaskSummaryToWire } from '../wire/migration-task-wire.ts';

/** The answer as DCS shapes it; its fields are listed in docs/api-coverage.md. */
const answer = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });

/** ListMigrationTask: the project's tasks, newest first, with DCS's offset/limit and an exact name filter. */
export const ListMigrationTasks = defineOperation({
  id: 'ListMigrationTask',
  method: 'GET',
  path: '/v2/:project_id/migration-tasks',
  access: 'read',
  summary: "The project's migration (backup-file import) tasks, newest first",
  coverage: {
    family: 'dcs',
    status:
      '**supported** for import tasks: `offset`, `limit`, `name`; `count` and `migration_tasks[]` (`task_id`, `task_name`, `status` `MIGRATING`/`SUCCESS`/`FAILED`, `migration_type`, `migration_method`, `data_source`, `target_instance_*`, `created_at`)',
  },
  schemas: {
    params: projectParams,
    querystring: Type.Object({
      offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
      name: Type.Optional(Type.String({ description: 'an exact task name' })),
    }),
    responses: { 200: answer },
  },
  errors: ['invalid_parameter'],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const query = request.query;
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
  },
});
