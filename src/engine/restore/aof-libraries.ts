import type { RespConnection, RespReply } from '../resp/resp-connection.ts';
import { type Arg, encodeBinaryCommand } from './resp-command.ts';
import { RestoreRefused } from './restore-types.ts';

/** Whether a command read from an AOF is FUNCTION LOAD. */
export function isFunctionLoad(command: readonly Buffer[]): boolean {
  return (
    command.length >= 3 &&
    command[0]!.toString('latin1').toUpperCase() === 'FUNCTION' &&
    command[1]!.toString('latin1').toUpperCase() === 'LOAD'
  );
}

/**
 * The function libraries of an AOF, gathered by its pre-flight read, so they can go in before the keys are
 * flushed. A file whose FUNCTION commands are all LOADs (as AOF backups and Redis's own rewrites write them)
 * can have its libraries put in ahead; one that also deletes, flushes or restores libraries has to replay them
 * in their place.
 */
export class AofLibraries {
  readonly code: Buffer[] = [];
  #otherFunctionCommands = false;

  note(command: readonly Buffer[]): void {
    if (command[0]!.toString('latin1').toUpperCase() !== 'FUNCTION') return;
    // The code is the last argument (LOAD [REPLACE] code); copied, the reader's buffer is reused.
    if (isFunctionLoad(command)) this.code.push(Buffer.from(command.at(-1)!));
    else this.#otherFunctionCommands = true;
  }

  /** Whether every FUNCTION command of the file is a LOAD, so the libraries can be put in ahead. */
  get installableAhead(): boolean {
    return !this.#otherFunctionCommands;
  }
}

/**
 * Replaces a server's function libraries with the file's (FUNCTION FLUSH, then FUNCTION LOAD of each), before
 * its keys are flushed. FUNCTION LOAD has no dry run, so a library the server refuses is found by loading it:
 * the server's former libraries are then put back from their FUNCTION DUMP and the restore is refused while every
 * key is still in place. Returns the step that puts the former libraries back, for a refusal on another server.
 */
export async function installLibraries(
  connection: RespConnection,
  libraries: readonly Buffer[],
  serverName: string,
): Promise<() => Promise<void>> {
  const dumped = await call(connection, ['FUNCTION', 'DUMP']);
  if (dumped.type === 'error') {
    throw new RestoreRefused(`${serverName} refused FUNCTION DUMP: ${dumped.value}`);
  }
  // Copied: the reply's bytes may be a view of the connection's read buffer.
  const former = dumped.type === 'bulk' ? Buffer.from(dumped.raw) : null;
  const putBack = async () => {
    const reply = former
      ? await call(connection, ['FUNCTION', 'RESTORE', former, 'FLUSH'])
      : await call(connection, ['FUNCTION', 'FLUSH']);
    if (reply.type === 'error') {
      throw new Error(`${serverName} did not take its former function libraries back: ${reply.value}`);
    }
  };
  const flushed = await call(connection, ['FUNCTION', 'FLUSH']);
  if (flushed.type === 'error') {
    throw new RestoreRefused(`${serverName} refused FUNCTION FLUSH: ${flushed.value}`);
  }
  for (const code of libraries) {
    const loaded = await call(connection, ['FUNCTION', 'LOAD', 'REPLACE', code]);
    if (loaded.type === 'error') {
      await putBack();
      const name = /^#!\w+\s+name=(\S+)/.exec(code.toString('utf8', 0, 200))?.[1] ?? 'a library';
      throw new RestoreRefused(`${serverName} refused the file's function library ${name}: ${loaded.value}`);
    }
  }
  return putBack;
}

/** Puts the libraries in on every server, or on none: a refusal on one puts the others' former ones back. */
export async function installLibrariesOnEach(
  servers: readonly { connection: RespConnection; name: string }[],
  libraries: readonly Buffer[],
): Promise<void> {
  const undo: (() => Promise<void>)[] = [];
  try {
    for (const server of servers)
      undo.push(await installLibraries(server.connection, libraries, server.name));
  } catch (error) {
    for (const putBack of undo) await putBack().catch(() => undefined);
    throw error;
  }
}

async function call(connection: RespConnection, args: readonly Arg[]): Promise<RespReply> {
  connection.writeNow(encodeBinaryCommand(args));
  return connection.readReply(String(args[0]));
}
