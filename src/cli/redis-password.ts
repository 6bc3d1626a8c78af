import fs from 'node:fs';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './service-client.ts';

export interface PasswordSources {
  passwordStdin?: boolean;
  passwordFile?: string;
}

/**
 * The Redis password for `instance attach` from somewhere other than the URL argument, which shows in `ps` and
 * shell history: --password-stdin (one line), --password-file FILE (its first line), or DCS_REDIS_PASSWORD.
 * REDISCLI_AUTH is not read: set for redis-cli against some other server, it would silently become this
 * instance's password. Undefined when none is given. The password is never printed, in errors neither.
 */
export async function readRedisPassword(
  sources: PasswordSources,
  env: NodeJS.ProcessEnv,
  urlHasPassword: boolean,
): Promise<string | undefined> {
  if (sources.passwordStdin && sources.passwordFile !== undefined) {
    throw new CliError('give --password-stdin or --password-file, not both', 2);
  }
  const explicit = sources.passwordStdin || sources.passwordFile !== undefined;
  if (explicit && urlHasPassword) {
    throw new CliError('the URL already holds a password: drop it from the URL or the password option', 2);
  }
  let password: string | undefined;
  if (sources.passwordStdin) password = await readLine();
  else if (sources.passwordFile !== undefined) password = firstLine(readFile(sources.passwordFile));
  else if (!urlHasPassword && env.DCS_REDIS_PASSWORD) password = env.DCS_REDIS_PASSWORD;
  if (password === '') throw new CliError('the Redis password is empty', 2);
  return password;
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the password file: ${(error as NodeJS.ErrnoException).code}`, 2);
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/** One line from stdin; on a terminal, asked for without echoing what is typed. */
async function readLine(): Promise<string> {
  const terminal = process.stdin.isTTY === true;
  if (terminal) process.stderr.write('Redis password: ');
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = readline.createInterface({ input: process.stdin, output: silent, terminal });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
    if (terminal) process.stderr.write('\n');
  }
}
