import type { Command } from 'commander';
import { renderTable, formatTime } from '../format.ts';
import { readRedisPassword } from '../redis-password.ts';
import type { ServiceClient } from '../service-client.ts';

interface AdminInstance {
  instance_id: string;
  project_id: string;
  name: string;
  type: string;
  engine_version: string;
  url: string;
  created_at: string;
  sharding_count?: number;
  shards?: {
    shard_index: number;
    slots: string;
    master: { node_id: string; ip: string; port: number };
    replicas: { node_id: string; ip: string; port: number; healthy: boolean }[];
  }[];
}

export function registerInstance(
  program: Command,
  client: () => ServiceClient,
  env: NodeJS.ProcessEnv,
): void {
  const instance = program.command('instance').description('attach, list and detach Redis servers');

  instance
    .command('attach <url>')
    .description(
      'attach an existing Redis server: redis://[user:password@]host:port[/db] (rediss:// for TLS), or a ' +
        'master/standby pair through Sentinel: redis-sentinel://[user:password@]host:port[,host:port...]/MASTER_NAME[/db]',
    )
    .requiredOption('--project <project_id>', 'project the instance belongs to')
    .requiredOption('--name <name>', 'instance name')
    .option(
      '--type <type>',
      'single|master_standby|cluster (default single; master_standby through Sentinel)',
    )
    .option('--tls', 'connect with TLS')
    .option('--json', 'print the instance as JSON')
    .option('--password-stdin', 'read the Redis password from the first line of stdin')
    .option('--password-file <file>', 'read the Redis password from the first line of a file')
    .addHelpText(
      'after',
      '\nWithout a password in the URL or an option, DCS_REDIS_PASSWORD is used when set.',
    )
    .action(
      async (
        url: string,
        options: {
          project: string;
          name: string;
          type?: string;
          tls?: boolean;
          json?: boolean;
          passwordStdin?: boolean;
          passwordFile?: string;
        },
      ) => {
        const password = await readRedisPassword(options, env, urlHasPassword(url));
        const created = await client().post<AdminInstance>('/admin/v1/instances', {
          project_id: options.project,
          name: options.name,
          url,
          ...(options.type === undefined ? {} : { type: options.type }),
          tls: options.tls ?? false,
          ...(password === undefined ? {} : { password }),
        });
        console.log(options.json ? JSON.stringify(created, null, 2) : created.instance_id);
      },
    );

  instance
    .command('list')
    .description('list attached instances')
    .option('--project <project_id>', 'only this project')
    .option('--json', 'print JSON')
    .action(async (options: { project?: string; json?: boolean }) => {
      const result = await client().get<{ instance_num: number; instances: AdminInstance[] }>(
        '/admin/v1/instances',
        { project_id: options.project },
      );
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      const rows = result.instances.map((i) => [
        i.instance_id,
        i.project_id,
        i.name,
        i.type,
        i.engine_version,
        i.url,
        formatTime(i.created_at),
      ]);
      console.log(
        renderTable(
          ['INSTANCE ID', 'PROJECT', 'NAME', 'TYPE', 'VERSION', 'ENDPOINT', 'ATTACHED (UTC)'],
          rows,
        ),
      );
    });

  instance
    .command('show <instance_id>')
    .description("show an instance; for a cluster, its shards' slot ranges, masters and replicas")
    .option('--json', 'print JSON')
    .action(async (instanceId: string, options: { json?: boolean }) => {
      const shown = await client().get<AdminInstance>(
        `/admin/v1/instances/${encodeURIComponent(instanceId)}`,
      );
      if (options.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      console.log(
        [
          `instance  ${shown.instance_id} (${shown.name}, project ${shown.project_id})`,
          `type      ${shown.type}, ${shown.engine_version}`,
          `endpoint  ${shown.url}`,
          `attached  ${formatTime(shown.created_at)}`,
        ].join('\n'),
      );
      if (!shown.shards) return;
      const rows = shown.shards.map((shard) => [
        String(shard.shard_index),
        shard.slots,
        `${shard.master.ip}:${shard.master.port} ${shard.master.node_id.slice(0, 8)}`,
        shard.replicas.map((r) => `${r.ip}:${r.port}${r.healthy ? '' : ' (down)'}`).join(', ') || '-',
      ]);
      console.log(`\n${renderTable(['SHARD', 'SLOTS', 'MASTER', 'REPLICAS'], rows)}`);
    });

  instance
    .command('detach <instance_id>')
    .description('detach an instance (refused while it has backups holding data, unless --force)')
    .option('--force', 'also drop its backup records')
    .action(async (instanceId: string, options: { force?: boolean }) => {
      await client().delete(`/admin/v1/instances/${encodeURIComponent(instanceId)}`, {
        force: options.force ? 'true' : undefined,
      });
      console.log(`detached ${instanceId}`);
    });
}

/** Whether the URL carries a password; a URL that does not parse is left for the service to refuse. */
function urlHasPassword(url: string): boolean {
  // A Sentinel URL lists several hosts, which URL does not parse: look at its user part directly.
  if (/^rediss?-sentinel:\/\//i.test(url)) return /^[^:]+:\/\/[^/@?]*:[^/@?]+@/.test(url);
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}
