import fs from 'node:fs';
import path from 'node:path';
import { CliError, type CliAuth } from './service-client.ts';

export interface GlobalOptions {
  endpoint?: string;
  ak?: string;
  sk?: string;
  token?: string;
  credentials?: string;
}

interface CredentialsFile {
  access_key?: string;
  secret_key?: string;
  endpoint?: string;
}

/**
 * Where the CLI finds who it is, first match wins: --ak/--sk or --token; HUAWEICLOUD_SDK_AK and
 * HUAWEICLOUD_SDK_SK (as the official SDKs read them) or DCS_TOKEN; the credentials file the service writes on
 * first start (--credentials, or <DCS_DATA_DIR or ./dcs-data>/credentials.json).
 */
export function resolveCli(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
): { endpoint: string; auth: CliAuth } {
  const file = readCredentialsFile(
    options.credentials ?? path.join(env.DCS_DATA_DIR ?? 'dcs-data', 'credentials.json'),
    options.credentials !== undefined,
  );
  const endpoint = options.endpoint ?? env.DCS_ENDPOINT ?? file?.endpoint ?? 'http://127.0.0.1:8080';
  if (options.token ?? env.DCS_TOKEN) return { endpoint, auth: { token: (options.token ?? env.DCS_TOKEN)! } };
  const accessKey = options.ak ?? env.HUAWEICLOUD_SDK_AK ?? file?.access_key;
  const secretKey = options.sk ?? env.HUAWEICLOUD_SDK_SK ?? file?.secret_key;
  if (accessKey && secretKey) return { endpoint, auth: { accessKey, secretKey } };
  return { endpoint, auth: null };
}

function readCredentialsFile(file: string, required: boolean): CredentialsFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CredentialsFile;
  } catch (error) {
    if (required || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliError(`cannot read the credentials file ${file}: ${(error as Error).message}`, 2);
    }
    return undefined;
  }
}
