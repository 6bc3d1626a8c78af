import type { Command } from 'commander';
import { formatTime, renderTable } from '../format.ts';
import type { ServiceClient } from '../service-client.ts';

interface NodeWire {
  node_id: string;
  host_name: string;
  pid: number;
  url: string;
  store_id: string;
  version: string;
  started_at: string;
  heartbeat_at: string;
  stopped_at: string | null;
  state: 'alive' | 'stopped' | 'silent';
  running_jobs: number;
  running_job_ids: string[];
}

/** `dcs-backup nodes`: the service processes sharing the metadata database, and what each runs. */
export function registerNodes(program: Command, client: () => ServiceClient): void {
  program
    .command('nodes')
    .description('list the service processes sharing the metadata database (admin)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await client().get<{ node_num: number; nodes: NodeWire[] }>('/admin/v1/nodes');
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      const rows = result.nodes.map((n) => [
        n.host_name,
        n.pid,
        n.url,
        n.state === 'silent' ? 'silent (no heartbeat)' : n.state,
        n.running_jobs,
        formatTime(n.heartbeat_at),
        formatTime(n.started_at),
        n.version,
        n.store_id,
      ]);
      console.log(
        renderTable(
          ['HOST', 'PID', 'URL', 'STATE', 'JOBS', 'HEARTBEAT (UTC)', 'STARTED (UTC)', 'VERSION', 'STORE'],
          rows,
        ),
      );
    });
}
