import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { registerBackup } from './commands/backup.ts';
import { registerInstance } from './commands/instance.ts';
import { registerServe } from './commands/serve.ts';
import { CliError, ServiceClient } from './service-client.ts';

const program = new Command('dcs-backup')
  .description('Backups of Redis and Valkey behind the Huawei Cloud DCS v2 backup API')
  .option('--endpoint <url>', 'service address (env DCS_ENDPOINT, default http://127.0.0.1:8080)')
  .exitOverride()
  .showHelpAfterError();

const client = () =>
  new ServiceClient(
    program.opts<{ endpoint?: string }>().endpoint ?? process.env.DCS_ENDPOINT ?? 'http://127.0.0.1:8080',
  );

registerServe(program);
registerInstance(program, client);
registerBackup(program, client);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof CliError || error instanceof ConfigError) {
    console.error(`error: ${error.message}`);
    process.exitCode = error instanceof CliError ? error.exitCode : 2;
  } else {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
