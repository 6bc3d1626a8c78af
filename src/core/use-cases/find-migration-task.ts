import { DomainError } from '../errors.ts';
import type { MigrationTask } from '../migration-task.ts';
import type { MetadataStore } from '../ports.ts';

const NOT_FOUND = 'The migration task does not exist.';

/** A task of the project; one of another project answers exactly as a missing one. */
export async function findMigrationTask(
  store: MetadataStore,
  projectId: string,
  taskId: string,
): Promise<MigrationTask> {
  const task = await store.migrationTasks.findById(taskId);
  if (!task || task.projectId !== projectId) throw new DomainError('migration_task_not_found', NOT_FOUND);
  return task;
}

/**
 * DeleteMigrationTask: removes finished tasks. An id that names no task of the project answers DCS.4133 (as
 * a task already gone), a task still running is refused; nothing is removed unless every id can be.
 */
export async function deleteMigrationTasks(
  store: MetadataStore,
  projectId: string,
  ids: readonly string[],
): Promise<string[]> {
  for (const id of ids) {
    const task = await findMigrationTask(store, projectId, id);
    if (task.status === 'MIGRATING') {
      throw new DomainError('migration_task_running', `The migration task ${id} is still running.`);
    }
  }
  return store.migrationTasks.removeFinished(projectId, ids);
}
