import type { Command } from 'commander';
import { formatBytes, formatTime, renderTable } from '../format.ts';
import { backupsPath, resolveProject } from '../project.ts';
import type { ServiceClient } from '../service-client.ts';
import { registerBackupActions } from './backup-actions.ts';
import { registerBackupImport } from './backup-import.ts';

interface BackupRecordWire {
  backup_id: string;
  backup_name: string;
  backup_type: string;
  status: string;
  size: number;
  progress: string;
  created_at: string;
  updated_at: string | null;
  is_support_restore: string;
  error_code: string | null;
  remark: string | null;
}

interface BackupListOptions {
  project?: string;
  begin?: string;
  end?: string;
  limit?: string;
  offset?: string;
  status?: string;
  type?: string;
  format?: string;
  json?: boolean;
}

export function registerBackup(program: Command, client: () => ServiceClient): void {
  const backup = program.command('backup').description('backups of an instance');
  registerBackupActions(backup, client);
  registerBackupImport(backup, client);

  backup
    .command('list <instance_id>')
    .description('list backup records, newest first')
    .option(
      '--project <project_id>',
      'project of the instance (env HUAWEICLOUD_SDK_PROJECT_ID; looked up if absent)',
    )
    .option('--begin <yyyyMMddHHmmss>', 'created at or after this UTC time')
    .option('--end <yyyyMMddHHmmss>', 'created at or before this UTC time')
    .option('--limit <n>', 'records per page (1-1000, default 10)')
    .option('--offset <n>', 'records to skip (default 0)')
    .option('--status <list>', 'only these statuses, comma-separated')
    .option('--type <list>', 'only manual and/or auto')
    .option('--format <list>', 'only rdb and/or aof')
    .option('--json', 'print the DCS response as JSON')
    .action(async (instanceId: string, options: BackupListOptions) => {
      const api = client();
      const projectId = await resolveProject(api, instanceId, options.project);
      const page = await api.get<{ total_num: number; backup_record_response: BackupRecordWire[] }>(
        backupsPath(projectId, instanceId),
        {
          begin_time: options.begin,
          end_time: options.end,
          limit: options.limit,
          offset: options.offset,
          status: options.status,
          backup_type: options.type,
          backup_format: options.format,
        },
      );
      if (options.json) {
        console.log(JSON.stringify(page, null, 2));
        return;
      }
      const rows = page.backup_record_response.map((r) => [
        r.backup_id,
        r.backup_name,
        r.backup_type,
        r.error_code ? `${r.status} (${r.error_code})` : r.status,
        formatBytes(r.size),
        `${r.progress}%`,
        formatTime(r.created_at),
        formatTime(r.updated_at),
        r.is_support_restore === 'TRUE' ? 'yes' : 'no',
        r.remark ?? '',
      ]);
      const head = [
        'BACKUP ID',
        'NAME',
        'TYPE',
        'STATUS',
        'SIZE',
        'PROGRESS',
        'CREATED (UTC)',
        'ENDED (UTC)',
        'RESTORABLE',
        'REMARK',
      ];
      console.log(renderTable(head, rows));
      const first = Number(options.offset ?? 0);
      const shown = page.backup_record_response.length;
      console.log(
        shown === 0
          ? `no records on this page; ${page.total_num} match`
          : `records ${first + 1}-${first + shown} of ${page.total_num}`,
      );
    });
}
