import type { Command } from 'commander';
import { formatBytes } from '../format.ts';
import { backupsPath, resolveProject } from '../project.ts';
import type { ServiceClient } from '../service-client.ts';
import { uploadForImport } from '../upload-file.ts';

/**
 * `backup import INSTANCE FILE` (an extension): uploads an RDB file made elsewhere and keeps it as a manual backup
 * of the instance, once the service has read it whole; refused with the reason otherwise.
 */
export function registerBackupImport(backup: Command, client: () => ServiceClient): void {
  backup
    .command('import <instance_id> <file>')
    .description('keep an RDB file made elsewhere as a manual backup of the instance (read whole first)')
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .option('--remark <text>', 'description, up to 128 characters')
    .option('--json', 'print the answer as JSON')
    .action(
      async (
        instanceId: string,
        file: string,
        options: { project?: string; remark?: string; json?: boolean },
      ) => {
        const api = client();
        const projectId = await resolveProject(api, instanceId, options.project);
        const uploaded = await uploadForImport(api, projectId, file);
        const answer = await api.post<{ backup_id: string; backup_name: string; size: number }>(
          `${backupsPath(projectId, instanceId)}/import`,
          {
            file_name: uploaded.file_name,
            ...(options.remark === undefined ? {} : { remark: options.remark }),
          },
        );
        if (options.json) console.log(JSON.stringify(answer));
        else
          console.log(`${answer.backup_id} succeed, ${formatBytes(answer.size)}, sha256 ${uploaded.sha256}`);
      },
    );
}
