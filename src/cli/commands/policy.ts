import { type Command, InvalidArgumentError } from 'commander';
import { formatTime } from '../format.ts';
import { instancePath, resolveProject } from '../project.ts';
import type { ServiceClient } from '../service-client.ts';

interface PolicyWire {
  backup_policy_id: string;
  updated_at: string;
  policy: {
    backup_type: string;
    save_days: number | null;
    periodical_backup_plan: { backup_at: number[]; begin_at: string } | null;
    keep_last: number | null;
    max_backups: number | null;
  };
  next_backup_at: string | null;
}

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const PROJECT_HELP = 'project of the instance (env HUAWEICLOUD_SDK_PROJECT_ID; looked up if absent)';

function integerOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** "1,3,5" → [1, 3, 5]; the service checks the range, so its DCS message reaches the user unchanged. */
function weekdaysOption(value: string): number[] {
  const days = value.split(',').map((d) => d.trim());
  if (!days.every((d) => /^\d$/.test(d)))
    throw new InvalidArgumentError('expected weekdays 1 (Monday) to 7 (Sunday), comma-separated');
  return days.map(Number);
}

export function describePolicy(wire: PolicyWire | null): string {
  if (wire === null) return 'no backup policy: automatic backups are off';
  const { policy } = wire;
  const plan = policy.periodical_backup_plan;
  const lines = [
    `automatic backups: ${policy.backup_type === 'auto' ? 'on' : 'off (manual; the plan is kept)'}`,
    `window:            ${plan ? `${plan.begin_at} UTC on ${plan.backup_at.map((d) => WEEKDAYS[d]).join(', ')}` : '-'}`,
    `keep:              ${policy.save_days === null ? '-' : `${policy.save_days} days`}` +
      (policy.keep_last === null ? '' : `, at least the newest ${policy.keep_last}`) +
      (policy.max_backups === null ? '' : `, at most ${policy.max_backups}`),
    `next backup:       ${formatTime(wire.next_backup_at)}`,
  ];
  return lines.join('\n');
}

export function registerPolicy(program: Command, client: () => ServiceClient): void {
  const policy = program.command('policy').description('automatic backups of an instance');

  const show = async (api: ServiceClient, projectId: string, instanceId: string, json?: boolean) => {
    const instance = await api.get<{ instance_backup_policy: PolicyWire | null }>(
      instancePath(projectId, instanceId),
    );
    console.log(
      json
        ? JSON.stringify(instance.instance_backup_policy, null, 2)
        : describePolicy(instance.instance_backup_policy),
    );
  };

  policy
    .command('set <instance_id>')
    .description('back up automatically in a one-hour UTC window on chosen weekdays')
    .requiredOption('--days <list>', 'weekdays, 1 (Monday) to 7 (Sunday), e.g. 1,3,5', weekdaysOption)
    .requiredOption('--window <HH:00-HH:00>', 'the one-hour UTC window, e.g. 02:00-03:00')
    .requiredOption('--save-days <n>', 'days each automatic backup is kept', integerOption)
    .option('--keep-last <n>', 'always keep at least the newest n automatic backups', integerOption)
    .option('--max-backups <n>', 'keep at most n automatic backups', integerOption)
    .option('--project <project_id>', PROJECT_HELP)
    .option('--json', 'print the DCS instance_backup_policy as JSON')
    .action(
      async (
        instanceId: string,
        options: {
          days: number[];
          window: string;
          saveDays: number;
          keepLast?: number;
          maxBackups?: number;
          project?: string;
          json?: boolean;
        },
      ) => {
        const api = client();
        const projectId = await resolveProject(api, instanceId, options.project);
        await api.put(instancePath(projectId, instanceId), {
          instance_backup_policy: {
            backup_type: 'auto',
            save_days: options.saveDays,
            keep_last: options.keepLast,
            max_backups: options.maxBackups,
            periodical_backup_plan: {
              backup_at: options.days,
              period_type: 'weekly',
              begin_at: options.window,
            },
          },
        });
        await show(api, projectId, instanceId, options.json);
      },
    );

  policy
    .command('show <instance_id>')
    .description("show the instance's backup policy")
    .option('--project <project_id>', PROJECT_HELP)
    .option('--json', 'print the DCS instance_backup_policy as JSON')
    .action(async (instanceId: string, options: { project?: string; json?: boolean }) => {
      const api = client();
      await show(api, await resolveProject(api, instanceId, options.project), instanceId, options.json);
    });

  policy
    .command('off <instance_id>')
    .description('stop automatic backups (the plan is kept; existing backups keep their expiry)')
    .option('--project <project_id>', PROJECT_HELP)
    .option('--json', 'print the DCS instance_backup_policy as JSON')
    .action(async (instanceId: string, options: { project?: string; json?: boolean }) => {
      const api = client();
      const projectId = await resolveProject(api, instanceId, options.project);
      await api.put(instancePath(projectId, instanceId), {
        instance_backup_policy: { backup_type: 'manual' },
      });
      await show(api, projectId, instanceId, options.json);
    });
}
