import type { Command } from 'commander';
import { loadServiceConfig } from '../../config.ts';
import { SHUTDOWN_MARGIN_MS, startService } from '../../main.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the service (SQLite and backup files under the data dir unless a database URL is given)',
    )
    .option('--host <host>', 'address to listen on (env DCS_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env DCS_PORT, default 8080)')
    .option('--data-dir <dir>', 'data directory (env DCS_DATA_DIR, default ./dcs-data)')
    .option('--database-url <url>', 'postgres://… to keep metadata in PostgreSQL (env DCS_DATABASE_URL)')
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (env DCS_LOG_LEVEL, default info)',
    )
    .option(
      '--public-url <url>',
      'the URL clients reach the service at, for download links (env DCS_PUBLIC_URL)',
    )
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (env DCS_TLS_CERT; needs --tls-key)')
    .option('--tls-key <file>', 'PEM private key of that certificate (env DCS_TLS_KEY)')
    .option('--blob-url <url>', 's3://BUCKET/PREFIX to keep backup files in a bucket (env DCS_BLOB_URL)')
    .action(async (options: Record<string, string | undefined>) => {
      const config = loadServiceConfig(process.env, options);
      const service = await startService(config);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        // A second signal: the operator does not want to wait for the grace period.
        if (stopping) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
        stopping = true;
        // Whatever holds shutdown up (a store that does not answer), it ends within the bound.
        setTimeout(() => process.exit(1), config.shutdownGraceMs + SHUTDOWN_MARGIN_MS).unref();
        service.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
