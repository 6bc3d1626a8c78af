import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { describeFields, formatTime, renderTable } from '../format.ts';
import { instancePath, resolveProject } from '../project.ts';
import { CliError, type ServiceClient } from '../service-client.ts';

interface RestoreWire {
  restore_id: string;
  backup_id: string;
  restore_name: string;
  backup_name: string;
  restore_remark: string | null;
  status: string;
  progress: string;
  error_code: string | null;
  created_at: string;
  updated_at: string | null;
}

interface RestoreDetailWire extends RestoreWire {
  error_message: string | null;
  keys_restored: number | null;
  keys_relabelled: number | null;
  keys_rewritten: number | null;
  keys_expired: number | null;
  restore_method: string | null;
  restore_method_reason: string | null;
  warnings: string[];
}

const POLL_MS = 500;
const PROJECT_HELP = 'project of the instance (env HUAWEICLOUD_SDK_PROJECT_ID; looked up if absent)';

const restoresPath = (projectId: string, instanceId: string) =>
  `${instancePath(projectId, instanceId)}/restores`;

export function registerRestore(program: Command, client: () => ServiceClient): void {
  const restore = program.command('restore').description("replace an instance's data with a backup's");

  restore
    .command('create <instance_id> <backup_id>')
    .description('restore a backup (of this or another instance of the project) into the instance')
    .option('--project <project_id>', PROJECT_HELP)
    .option('--remark <text>', 'description, up to 128 characters')
    .option(
      '--into-standalone',
      'put every shard of a cluster backup into this standalone instance (changes what clients see)',
    )
    .option('--wait', 'show progress and exit 0 only when the restore succeeded')
    .option('--json', 'print the final record as JSON')
    .action(
      async (
        instanceId: string,
        backupId: string,
        options: {
          project?: string;
          remark?: string;
          intoStandalone?: boolean;
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        const api = client();
        const base = restoresPath(await resolveProject(api, instanceId, options.project), instanceId);
        const { restore_id: restoreId } = await api.post<{ restore_id: string }>(base, {
          backup_id: backupId,
          ...(options.remark === undefined ? {} : { remark: options.remark }),
          ...(options.intoStandalone ? { into_standalone: true } : {}),
        });
        if (!options.wait) {
          console.log(options.json ? JSON.stringify({ restore_id: restoreId }) : restoreId);
          return;
        }
        const final = await follow(api, `${base}/${restoreId}`);
        if (options.json) console.log(JSON.stringify(final, null, 2));
        if (final.status !== 'succeed') {
          throw new CliError(
            `restore ${restoreId} ${final.status}: ${final.error_code ?? ''} ${final.error_message ?? ''}`.trim(),
          );
        }
        if (!options.json) {
          const keys =
            (final.keys_restored ?? 0) + (final.keys_relabelled ?? 0) + (final.keys_rewritten ?? 0);
          console.log(
            `${restoreId} succeed, ${keys} keys (${final.keys_expired ?? 0} already expired, left out)`,
          );
          if (final.restore_method) {
            console.log(
              `how: ${final.restore_method} (${final.restore_method_reason ?? 'no reason recorded'})`,
            );
          }
          for (const warning of final.warnings) console.log(`warning: ${warning}`);
        }
      },
    );

  restore
    .command('list <instance_id>')
    .description('list restore records, newest first')
    .option('--project <project_id>', PROJECT_HELP)
    .option('--begin <yyyyMMddHHmmss>', 'created at or after this UTC time')
    .option('--end <yyyyMMddHHmmss>', 'created at or before this UTC time')
    .option('--limit <n>', 'records per page (1-1000, default 10)')
    .option('--offset <n>', 'records to skip (default 0)')
    .option('--json', 'print the DCS response as JSON')
    .action(
      async (
        instanceId: string,
        options: {
          project?: string;
          begin?: string;
          end?: string;
          limit?: string;
          offset?: string;
          json?: boolean;
        },
      ) => {
        const api = client();
        const page = await api.get<{ total_num: number; restore_record_response: RestoreWire[] }>(
          restoresPath(await resolveProject(api, instanceId, options.project), instanceId),
          { begin_time: options.begin, end_time: options.end, limit: options.limit, offset: options.offset },
        );
        if (options.json) {
          console.log(JSON.stringify(page, null, 2));
          return;
        }
        const rows = page.restore_record_response.map((r) => [
          r.restore_id,
          r.backup_name,
          r.status,
          `${r.progress}%`,
          r.error_code ?? '',
          formatTime(r.created_at),
          formatTime(r.updated_at),
          r.restore_remark ?? '',
        ]);
        console.log(
          renderTable(
            ['RESTORE ID', 'BACKUP', 'STATUS', 'PROGRESS', 'ERROR', 'CREATED (UTC)', 'ENDED (UTC)', 'REMARK'],
            rows,
          ),
        );
        console.log(`${page.restore_record_response.length} of ${page.total_num}`);
      },
    );

  restore
    .command('show <instance_id> <restore_id>')
    .description('one restore with what it did (keys, routes, warnings, the reason it failed)')
    .option('--project <project_id>', PROJECT_HELP)
    .option('--json', "print the API's detail view as JSON")
    .action(async (instanceId: string, restoreId: string, options: { project?: string; json?: boolean }) => {
      const api = client();
      const base = restoresPath(await resolveProject(api, instanceId, options.project), instanceId);
      const detail = await api.get<Record<string, unknown>>(`${base}/${encodeURIComponent(restoreId)}`);
      console.log(options.json ? JSON.stringify(detail, null, 2) : describeFields(detail));
    });
}

/** Polls the restore until it ends, drawing a progress bar on a terminal and one line per change elsewhere. */
async function follow(api: ServiceClient, path: string): Promise<RestoreDetailWire> {
  const interactive = process.stderr.isTTY === true;
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{status} [{bar}] {percentage}% | ETA {eta_formatted}',
    hideCursor: true,
  });
  let barStarted = false;
  let last = '';
  for (;;) {
    const detail = await api.get<RestoreDetailWire>(path);
    const done = detail.status === 'succeed' || detail.status === 'failed';
    const percent = Number(detail.progress);
    if (interactive) {
      if (!barStarted) bar.start(100, 0, { status: detail.status.padEnd(9) });
      barStarted = true;
      bar.update(percent, { status: detail.status.padEnd(9) });
    } else if (`${detail.status} ${detail.progress}` !== last) {
      last = `${detail.status} ${detail.progress}`;
      console.error(`${detail.status} ${detail.progress}%`);
    }
    if (done) {
      if (barStarted) bar.stop();
      return detail;
    }
    await sleep(POLL_MS);
  }
}
