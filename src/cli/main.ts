import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { resolveCli, type GlobalOptions } from './cli-auth.ts';
import { registerBackup } from './commands/backup.ts';
import { registerCredentials } from './commands/credentials.ts';
import { registerImport } from './commands/import.ts';
import { registerInstance } from './commands/instance.ts';
import { registerNodes } from './commands/nodes.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerRestore } from './commands/restore.ts';
import { registerServe } from './commands/serve.ts';
import { registerStorage } from './commands/storage.ts';
import { CliError, ServiceClient } from './service-client.ts';

const program = new Command('dcs-backup')
  .description('Backups of Redis and Valkey behind the Huawei Cloud DCS v2 backup API')
  .option(
    '--endpoint <url>',
    'service address (env DCS_ENDPOINT, else the credentials file, else http://127.0.0.1:8080)',
  )
  .option('--ak <access_key>', 'access key (env HUAWEICLOUD_SDK_AK)')
  .option('--sk <secret_key>', 'secret key (env HUAWEICLOUD_SDK_SK)')
  .option('--token <token>', 'an X-Auth-Token instead of AK/SK (env DCS_TOKEN)')
  .option('--credentials <file>', 'credentials file (default <DCS_DATA_DIR or ./dcs-data>/credentials.json)')
  .exitOverride()
  .showHelpAfterError();

const client = () => {
  const { endpoint, auth } = resolveCli(program.opts<GlobalOptions>(), process.env);
  return new ServiceClient(endpoint, auth);
};

registerServe(program);
registerInstance(program, client, process.env);
registerBackup(program, client);
registerPolicy(program, client);
registerRestore(program, client);
registerImport(program, client);
registerCredentials(program, client);
registerNodes(program, client);
registerStorage(program);

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
