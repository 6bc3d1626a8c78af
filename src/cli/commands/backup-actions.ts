import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { describeFields, formatBytes } from '../format.ts';
import { backupsPath, resolveProject } from '../project.ts';
import { CliError, type ServiceClient } from '../service-client.ts';

interface BackupDetailWire {
  backup_id: string;
  status: string;
  phase: string;
  size: number;
  progress: string;
  error_code: string | null;
  error_message: string | null;
  bytes_received: number;
  estimated_bytes: number | null;
  sha256: string | null;
  served_by?: { role: string; address: string; reason: string } | null;
}

interface VerifyWire {
  backup_id: string;
  result: string;
  problem: string | null;
  checksum: string;
  sha256_matches: boolean;
  is_support_restore: string;
  keys_per_db: Record<string, number>;
  keys_per_type: Record<string, number>;
  keys_with_expiry: number;
  functions: number;
  /** Absent from services older than the count. */
  warnings?: string[];
}

function describeVerification(report: VerifyWire): string {
  const total = Object.values(report.keys_per_db).reduce((a, b) => a + b, 0);
  const lines = [
    `${report.backup_id}: ${report.result === 'ok' ? 'ok' : `PROBLEM: ${report.problem}`}`,
    `checksum ${report.checksum}, sha256 ${report.sha256_matches ? 'matches' : 'DIFFERS'}, restorable ${report.is_support_restore}`,
    `${total} keys (${report.keys_with_expiry} with expiry), ${report.functions} function libraries`,
    ...Object.entries(report.keys_per_db).map(([db, n]) => `  db${db}: ${n}`),
    ...Object.entries(report.keys_per_type).map(([type, n]) => `  ${type}: ${n}`),
    ...(report.warnings ?? []).map((warning) => `warning: ${warning}`),
  ];
  return lines.join('\n');
}

const POLL_MS = 500;

export function registerBackupActions(backup: Command, client: () => ServiceClient): void {
  backup
    .command('create <instance_id>')
    .description('take a backup now; with --wait, follow it to the end')
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .option('--remark <text>', 'description, up to 128 characters')
    .option(
      '--format <rdb|aof>',
      'rdb (default), or aof: a RESP command stream any Redis or Valkey loads',
      'rdb',
    )
    .option('--wait', 'show progress and exit 0 only when the backup succeeded')
    .option('--json', 'print the final record as JSON')
    .action(
      async (
        instanceId: string,
        options: { project?: string; remark?: string; format: string; wait?: boolean; json?: boolean },
      ) => {
        const api = client();
        const base = backupsPath(await resolveProject(api, instanceId, options.project), instanceId);
        const { backup_id: backupId } = await api.post<{ backup_id: string }>(base, {
          ...(options.remark === undefined ? {} : { remark: options.remark }),
          backup_format: options.format,
        });
        if (!options.wait) {
          console.log(options.json ? JSON.stringify({ backup_id: backupId }) : backupId);
          return;
        }
        const final = await follow(api, `${base}/${backupId}`);
        if (options.json) console.log(JSON.stringify(final, null, 2));
        if (final.status !== 'succeed') {
          throw new CliError(
            `backup ${backupId} ${final.status}: ${final.error_code ?? ''} ${final.error_message ?? ''}`.trim(),
          );
        }
        if (!options.json) {
          console.log(`${backupId} succeed, ${formatBytes(final.size)}, sha256 ${final.sha256}`);
          const node = final.served_by;
          if (node) console.log(`read from the ${node.role} ${node.address}: ${node.reason}`);
        }
      },
    );

  backup
    .command('show <instance_id> <backup_id>')
    .description('one backup with its detail (checksum, versions, phase, duration)')
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .option('--json', "print the API's detail view as JSON")
    .action(async (instanceId: string, backupId: string, options: { project?: string; json?: boolean }) => {
      const api = client();
      const base = backupsPath(await resolveProject(api, instanceId, options.project), instanceId);
      const detail = await api.get<Record<string, unknown>>(`${base}/${encodeURIComponent(backupId)}`);
      console.log(options.json ? JSON.stringify(detail, null, 2) : describeFields(detail));
    });

  backup
    .command('verify <instance_id> <backup_id>')
    .description('read the stored file whole through the RDB reader: keys per database and type, any problem')
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .option('--json', 'print the report as JSON')
    .action(async (instanceId: string, backupId: string, options: { project?: string; json?: boolean }) => {
      const api = client();
      const base = backupsPath(await resolveProject(api, instanceId, options.project), instanceId);
      const report = await api.post<VerifyWire>(`${base}/${encodeURIComponent(backupId)}/verify`, {});
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else console.log(describeVerification(report));
      if (report.result !== 'ok')
        throw new CliError(`backup ${backupId} failed verification: ${report.problem}`);
    });

  backup
    .command('delete <instance_id> <backup_id>')
    .description('delete the backup file; the record stays listed as deleted')
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .action(async (instanceId: string, backupId: string, options: { project?: string }) => {
      const api = client();
      const base = backupsPath(await resolveProject(api, instanceId, options.project), instanceId);
      await api.delete(`${base}/${encodeURIComponent(backupId)}`);
      console.log(`deleted ${backupId}`);
    });

  backup
    .command('download <instance_id> <backup_id>')
    .description('download the RDB file and check its SHA-256')
    .option('--project <project_id>', 'project of the instance (looked up if absent)')
    .option('-o, --output <file>', 'where to write it (default: the file name the service gives)')
    .action(async (instanceId: string, backupId: string, options: { project?: string; output?: string }) => {
      const api = client();
      const base = backupsPath(await resolveProject(api, instanceId, options.project), instanceId);
      const links = await api.post<{ links: { file_name: string; link: string }[]; sha256: string | null }>(
        `${base}/${encodeURIComponent(backupId)}/links`,
        { expiration: 300 },
      );
      const link = links.links[0]!;
      const output = options.output ?? link.file_name;
      const response = await api.fetchUrl(link.link);
      const hash = createHash('sha256');
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => hash.update(chunk));
      const partial = `${output}.partial`;
      await pipeline(body, fs.createWriteStream(partial));
      const actual = hash.digest('hex');
      if (links.sha256 && actual !== links.sha256) {
        fs.rmSync(partial, { force: true });
        throw new CliError(`the download is corrupt: sha256 ${actual}, expected ${links.sha256}`);
      }
      fs.renameSync(partial, output);
      console.log(`${output} ${formatBytes(fs.statSync(output).size)} sha256 ${actual} (verified)`);
    });
}

/** Polls the detail view until the backup ends, drawing a progress bar on a terminal. */
async function follow(api: ServiceClient, path: string): Promise<BackupDetailWire> {
  const interactive = process.stderr.isTTY === true;
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{phase} [{bar}] {percentage}% | {received} of ~{estimate} | {rate}/s | ETA {eta_formatted}',
    hideCursor: true,
  });
  const started = Date.now();
  let lastPhase = '';
  let barStarted = false;
  for (;;) {
    const detail = await api.get<BackupDetailWire>(path);
    const done = detail.status !== 'waiting' && detail.status !== 'backuping';
    const estimate = Math.max(detail.estimated_bytes ?? 0, detail.bytes_received, 1);
    const payload = {
      phase: detail.phase.padEnd(12),
      received: formatBytes(detail.bytes_received),
      estimate: formatBytes(estimate),
      rate: formatBytes(Math.round(detail.bytes_received / Math.max(0.001, (Date.now() - started) / 1000))),
    };
    if (interactive) {
      if (!barStarted) bar.start(estimate, 0, payload);
      barStarted = true;
      bar.setTotal(done ? detail.bytes_received || 1 : estimate);
      bar.update(done ? detail.bytes_received || 1 : Math.min(detail.bytes_received, estimate - 1), payload);
    } else if (detail.phase !== lastPhase) {
      console.error(`${detail.phase} ${detail.progress}% ${payload.received}`);
    }
    lastPhase = detail.phase;
    if (done) {
      if (barStarted) bar.stop();
      return detail;
    }
    await sleep(POLL_MS);
  }
}
