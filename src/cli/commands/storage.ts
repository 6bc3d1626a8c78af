import type { Command } from 'commander';
import { loadServiceConfig } from '../../config.ts';
import { runStorageMigration } from '../../migrate-storage.ts';

interface MigrateOptions {
  to: string;
  dataDir?: string;
  databaseUrl?: string;
  dryRun?: boolean;
}

/**
 * Local admin commands on the data directory: they open the metadata database and the stores directly, as
 * `serve` does, on the machine that holds the directory (the S3 settings come from the same DCS_S3_* env).
 */
export function registerStorage(program: Command): void {
  const storage = program.command('storage').description('local admin commands on the stored backup files');
  storage
    .command('migrate')
    .description(
      "copy this data directory's backup files into a bucket (SHA-256 checked) and switch their records to it; " +
        'resumable; the local files are left for the storage clean-up pass',
    )
    .requiredOption('--to <url>', 's3://BUCKET/PREFIX to move the files to (DCS_S3_* env as for serve)')
    .option('--data-dir <dir>', 'data directory (env DCS_DATA_DIR, default ./dcs-data)')
    .option('--database-url <url>', 'postgres://… when the metadata is in PostgreSQL (env DCS_DATABASE_URL)')
    .option('--dry-run', 'say what would be moved, change nothing')
    .action(async (options: MigrateOptions) => {
      const config = loadServiceConfig(process.env, {
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
        blobUrl: options.to,
      });
      const dryRun = options.dryRun ?? false;
      const summary = await runStorageMigration(config, {
        dryRun,
        onLine: (line) => console.log(`${line.outcome} ${line.id} ${line.fileKey}: ${line.detail}`),
      });
      console.log(
        `${dryRun ? 'would move' : 'moved'} ${summary.moved}, skipped ${summary.skipped}, ` +
          `failed ${summary.failed}, ${summary.bytes} bytes uploaded to ${summary.target}`,
      );
      if (summary.moved > 0 && !dryRun) {
        console.log(
          'the local files stay in place: the storage clean-up pass of a service keeping its files in this ' +
            'data directory removes them',
        );
      }
      if (summary.failed > 0) process.exitCode = 1;
    });
}
