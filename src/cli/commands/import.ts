import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { resolveProject } from '../project.ts';
import { CliError, type ServiceClient } from '../service-client.ts';
import { uploadForImport, uploadNameOf } from '../upload-file.ts';

interface MigrationTaskWire {
  task_id: string;
  task_name: string;
  status: string;
  error_message: string | null;
  report: {
    format: string;
    rdb_version: number | null;
    commands: number;
    keys: number | null;
    warnings: string[];
  } | null;
}

const POLL_MS = 500;

/**
 * `import INSTANCE FILE`: uploads a local RDB or AOF file, then creates the DCS migration task
 * (backupfile_import from the store, self_build_obs) that loads it into the instance, replacing its data.
 */
export function registerImport(program: Command, client: () => ServiceClient): void {
  program
    .command('import <instance_id> <file>')
    .description("upload an RDB or AOF file and load it into the instance (replaces the instance's data)")
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .option('--name <task_name>', 'the migration task name (default: import-<file name>)')
    .option('--wait', 'follow the task and exit 0 only when it succeeded')
    .option('--json', 'print the final task as JSON')
    .action(
      async (
        instanceId: string,
        file: string,
        options: { project?: string; name?: string; wait?: boolean; json?: boolean },
      ) => {
        const api = client();
        const projectId = await resolveProject(api, instanceId, options.project);
        const uploaded = await uploadForImport(api, projectId, file);
        const task = await api.post<{ id: string; name: string; status: string }>(
          `/v2/${encodeURIComponent(projectId)}/migration-task`,
          {
            task_name: options.name ?? `import-${uploadNameOf(file)}`.slice(0, 64),
            migration_type: 'backupfile_import',
            migration_method: 'full_amount_migration',
            backup_files: {
              file_source: 'self_build_obs',
              bucket_name: uploaded.bucket_name,
              files: [
                { file_name: uploaded.file_name, size: String(uploaded.size), update_at: uploaded.update_at },
              ],
            },
            target_instance: { id: instanceId },
          },
        );
        if (!options.wait) {
          console.log(options.json ? JSON.stringify(task) : task.id);
          return;
        }
        const final = await follow(api, `/v2/${encodeURIComponent(projectId)}/migration-task/${task.id}`);
        if (options.json) console.log(JSON.stringify(final, null, 2));
        if (final.status !== 'SUCCESS') {
          throw new CliError(`import ${task.id} ${final.status}: ${final.error_message ?? ''}`.trim());
        }
        if (!options.json) {
          const report = final.report;
          const keys = report?.keys === null || report === null ? '' : `, ${report.keys} keys`;
          const version = report?.rdb_version ? ` (RDB version ${report.rdb_version})` : '';
          console.log(
            `${task.id} SUCCESS: ${report?.format ?? ''}${version}, ${report?.commands ?? 0} commands${keys}`,
          );
          for (const warning of report?.warnings ?? []) console.log(`warning: ${warning}`);
        }
      },
    );
}

/** Polls the task until it ends: one line per status change (an import reports no percentage). */
async function follow(api: ServiceClient, path: string): Promise<MigrationTaskWire> {
  let last = '';
  for (;;) {
    const task = await api.get<MigrationTaskWire>(path);
    if (task.status !== last) console.error(task.status);
    last = task.status;
    if (task.status !== 'MIGRATING') return task;
    await sleep(POLL_MS);
  }
}
