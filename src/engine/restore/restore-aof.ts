import { createHash } from 'node:crypto';
import type { RedisEndpoint } from '../../core/instance.ts';
import { AofCommandReader } from '../aof/aof-command-reader.ts';
import { AofLibraries, installLibraries, isFunctionLoad } from './aof-libraries.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { CommandPipeline, DEFAULT_PIPELINE_WINDOW, type PipelineWindow } from './command-pipeline.ts';
import { printable } from './restore-commands.ts';
import { confirmKeyCount, type ExpectedKeys } from './restore-confirm.ts';
import { RestoreRefused, type RestoreSource } from './restore-types.ts';
import { FUNCTIONS_SINCE_RDB, probeTarget, type TargetInfo } from './target-probe.ts';

/** Commands whose presence says how new a target must be (by the RDB version it writes). */
const NEEDS_RDB: Record<string, number> = {
  FUNCTION: 10,
  HPEXPIREAT: 12,
  HSETEX: 12,
};

export interface AofRestoreOptions {
  target: RedisEndpoint;
  source: Pick<RestoreSource, 'sizeBytes' | 'open'>;
  /** The file's SHA-256 when it was stored: the pre-flight refuses a file that changed since. */
  sha256?: string;
  /** The keys the file holds, when known (an AOF backup's record): confirmed after the load. */
  expected?: ExpectedKeys;
  onProgress?: (bytes: number, total: number) => void;
  /** Called once the pre-flight passed, just before the target is changed. */
  onStart?: (target: TargetInfo) => void | Promise<void>;
  signal?: AbortSignal;
  window?: PipelineWindow;
  timeoutMs?: number;
}

export interface AofRestoreReport {
  target: TargetInfo;
  commands: number;
  functionLibraries: number;
  warnings: string[];
}

/** What the pre-flight read of the file found. */
interface AofShape {
  commands: number;
  functions: number;
  needsRdb: number;
  newestCommand: string | null;
  highestDb: number;
  largestArgument: number;
  libraries: AofLibraries;
}

/**
 * Replaces the target's data with an AOF's (a RESP command stream, as an AOF backup stores it), with the restore
 * engine's pieces: the pre-flight reads the whole file first (RESP framing, the SHA-256 recorded for it, the
 * commands and databases it uses against the target) and refuses with the target untouched; then the target's
 * functions and keys are flushed, every command goes through the bounded pipeline (the first refused command
 * stops the restore), and the key count is confirmed when the file's is known.
 */
export async function restoreAof(options: AofRestoreOptions): Promise<AofRestoreReport> {
  const { signal } = options;
  const connection = await connect(options);
  const onAbort = () => connection.close();
  signal?.addEventListener('abort', onAbort);
  try {
    const target = await probeTarget(connection);
    const shape = await readShape(options);
    refuseUnfit(shape, target);
    await options.onStart?.(target);
    // A refused command is named by its first arguments, formatted only then.
    const pipeline = new CommandPipeline(connection, options.window ?? DEFAULT_PIPELINE_WINDOW, (label) =>
      describeCommand(label as Buffer[]),
    );
    // The file's libraries go in first, while the target still holds its keys: a library it refuses then
    // refuses the restore with nothing lost (its former libraries are put back).
    const librariesAhead = target.rdbVersion >= FUNCTIONS_SINCE_RDB && shape.libraries.installableAhead;
    if (librariesAhead) await installLibraries(connection, shape.libraries.code, 'the target');
    else if (target.rdbVersion >= FUNCTIONS_SINCE_RDB)
      await pipeline.send(['FUNCTION', 'FLUSH'], 'FUNCTION FLUSH');
    await pipeline.send(['FLUSHALL'], 'FLUSHALL');
    await pipeline.drain();
    await replay(pipeline, options, librariesAhead);
    const report: AofRestoreReport = {
      target,
      commands: shape.commands,
      functionLibraries: shape.functions,
      warnings: [],
    };
    if (options.expected) {
      const extra = await confirmKeyCount(connection, options.expected, 'the restore');
      if (extra) report.warnings.push(extra);
    }
    return report;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    connection.close();
  }
}

/** Reads the whole file once: framing, SHA-256, and what it asks of the target. */
async function readShape(options: AofRestoreOptions): Promise<AofShape> {
  const hash = options.sha256 ? createHash('sha256') : null;
  const reader = new AofCommandReader();
  const shape: AofShape = {
    commands: 0,
    functions: 0,
    needsRdb: 0,
    newestCommand: null,
    highestDb: 0,
    largestArgument: 0,
    libraries: new AofLibraries(),
  };
  try {
    for await (const chunk of (await options.source.open()) as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new Error('the restore was cancelled');
      hash?.update(chunk);
      for (const command of reader.push(chunk)) note(shape, command);
    }
    reader.finish();
  } catch (error) {
    // Nothing was written yet: whatever stops this read (bad framing, an RDB source failing its conversion or
    // checksum, a file that cannot be read) leaves the target untouched.
    if (error instanceof RestoreRefused || options.signal?.aborted) throw error;
    throw new RestoreRefused((error as Error).message);
  }
  if (hash && hash.digest('hex') !== options.sha256) {
    throw new RestoreRefused('the backup file has changed since it was stored (its SHA-256 differs)');
  }
  return shape;
}

function note(shape: AofShape, command: Buffer[]): void {
  shape.commands++;
  const name = command[0]!.toString('latin1').toUpperCase();
  const needs = NEEDS_RDB[name] ?? 0;
  if (needs > shape.needsRdb) {
    shape.needsRdb = needs;
    shape.newestCommand = name;
  }
  if (name === 'FUNCTION') shape.functions++;
  shape.libraries.note(command);
  if (name === 'SELECT') shape.highestDb = Math.max(shape.highestDb, Number(command[1]?.toString() ?? 0));
  for (const arg of command) shape.largestArgument = Math.max(shape.largestArgument, arg.length);
}

function refuseUnfit(shape: AofShape, target: TargetInfo): void {
  const problems: string[] = [];
  if (target.clusterEnabled) problems.push('the target is in cluster mode');
  if (shape.needsRdb > target.rdbVersion) {
    problems.push(
      `the file uses ${shape.newestCommand}, which the target (Redis ${target.version}) does not have`,
    );
  }
  if (shape.highestDb >= target.databases) {
    problems.push(`the file selects database ${shape.highestDb}; the target has ${target.databases}`);
  }
  if (shape.largestArgument > target.protoMaxBulkLen) {
    problems.push(
      `an argument of ${shape.largestArgument} bytes is above the target's proto-max-bulk-len (${target.protoMaxBulkLen})`,
    );
  }
  if (problems.length > 0) throw new RestoreRefused(problems.join('; '));
}

/** Sends every command of the file through the pipeline, in order. */
async function replay(
  pipeline: CommandPipeline,
  options: AofRestoreOptions,
  librariesAhead: boolean,
): Promise<void> {
  const reader = new AofCommandReader({ copy: false });
  let bytes = 0;
  for await (const chunk of (await options.source.open()) as AsyncIterable<Buffer>) {
    if (options.signal?.aborted) throw new Error('the restore was cancelled');
    bytes += chunk.length;
    for (const command of reader.push(chunk)) {
      if (librariesAhead && isFunctionLoad(command)) continue; // already in place
      const wait = pipeline.send(command, command);
      if (wait) await wait;
    }
    options.onProgress?.(bytes, options.source.sizeBytes);
  }
  reader.finish();
  await pipeline.drain();
}

function describeCommand(command: Buffer[]): string {
  const name = command[0]!.toString('latin1');
  return command.length > 1 ? `${name} of key "${printable(command[1]!)}"` : name;
}

async function connect(options: AofRestoreOptions): Promise<RespConnection> {
  const connection = await RespConnection.open(options.target, options.timeoutMs ?? 60_000);
  try {
    await authenticate(connection, options.target);
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}
