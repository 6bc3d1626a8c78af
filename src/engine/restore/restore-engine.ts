import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { RedisEndpoint } from '../../core/instance.ts';
import { Crc64 } from '../rdb/crc64.ts';
import { inspectRdb } from '../rdb/rdb-inspector.ts';
import { type RdbKeyRecord, readRdb } from '../rdb/rdb-reader.ts';
import { typeName } from '../rdb/rdb-types.ts';
import { decodeValue } from '../rdb/value-decoder.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { CommandPipeline, type PipelineWindow } from './command-pipeline.ts';
import { rewriteKey } from './command-rewrite.ts';
import { functionsPayload, payloadFooter } from './dump-payload.ts';
import { type Arg, encodeArgs, encodeBinaryCommand, type EncodedArgs } from './resp-command.ts';
import { type BackupContent, planRestore, type RestorePlan } from './restore-plan.ts';
import { probeTarget, type TargetInfo } from './target-probe.ts';
import { restoreByReplication } from './replication-fast-path.ts';

/** The stored backup file, read as often as restore needs it. */
export interface RestoreSource {
  sizeBytes: number;
  open(): Promise<Readable>;
  /** Bytes [start, end) of the file: a value too large to hold is streamed from here. */
  openRange(start: number, end: number): Promise<Readable>;
  /**
   * What a read of the file found when it was stored, with the file's SHA-256 then: the pre-flight then only
   * checks that the bytes are still those (one hash pass) instead of walking the whole structure again.
   */
  known?: { content: BackupContent; sha256: string };
}

export interface RestoreOptions {
  target: RedisEndpoint;
  source: RestoreSource;
  /** The time used to leave out keys that have already expired. */
  now: () => number;
  /** Called as the file is read: bytes of the file behind us, and the stage. */
  onProgress?: (bytes: number, total: number) => void;
  /** Called once the pre-flight checks passed, just before the target is flushed. */
  onStart?: (plan: RestorePlan, target: TargetInfo, content: BackupContent) => void | Promise<void>;
  signal?: AbortSignal;
  window?: PipelineWindow;
  /**
   * Try the replication fast path first (the target loads the file as a replica of this process), reaching this
   * process at advertiseHost; the command writer takes over when it does not apply or fails.
   */
  fastPath?: { advertiseHost: string; bindHost?: string };
  /** Values up to this size are held while sent; larger ones are streamed from the file. */
  captureLimit?: number;
  timeoutMs?: number;
}

export interface RestoreReport {
  target: TargetInfo;
  content: BackupContent;
  /** "replication": the target loaded the file as a replica; "commands": RESTORE and friends, pipelined. */
  method: 'replication' | 'commands';
  keysRestored: number;
  keysRelabelled: number;
  keysRewritten: number;
  keysStreamed: number;
  /** Keys already expired when restore reached them: Redis would drop them on load too. */
  keysExpired: number;
  functionLibraries: number;
  warnings: string[];
}

/** The backup cannot go into this target; nothing was written to it. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

const FUNCTIONS_SINCE_RDB = 10;
const DEFAULT_WINDOW: PipelineWindow = { commands: 1000, bytes: 4 * 1024 * 1024 };

/**
 * Replaces the target's data with the backup's, as DCS restore does: every check first (the file's structure
 * and CRC, the target's RDB version, databases, memory limit and bulk limit), then FLUSHALL, the function
 * libraries, and every key by RESTORE … REPLACE ABSTTL through a bounded pipeline, with payloads relabelled or
 * keys rebuilt with commands where the target is older than the backup.
 */
export async function restoreRdb(options: RestoreOptions): Promise<RestoreReport> {
  const { source, signal } = options;
  let connection = await connect(options);
  const onAbort = () => connection.close();
  signal?.addEventListener('abort', onAbort);
  try {
    const target = await probeTarget(connection);
    const content = await preflightRead(source);
    const captureLimit = options.captureLimit ?? 64 * 1024 * 1024;
    const plan = planRestore(content, target, { rewriteHoldBytes: captureLimit });
    if (plan.problems.length > 0) throw new RestoreRefused(plan.problems.join('; '));
    await options.onStart?.(plan, target, content);

    const report: RestoreReport = {
      target,
      content,
      method: 'commands',
      keysRestored: 0,
      keysRelabelled: 0,
      keysRewritten: 0,
      keysStreamed: 0,
      keysExpired: 0,
      functionLibraries: 0,
      warnings: [...plan.warnings],
    };
    if (options.fastPath && [...plan.routes.values()].every((route) => route === 'restore')) {
      try {
        await restoreByReplication({
          target: options.target,
          source,
          expectedKeys: Object.values(content.keysPerDb).reduce((a, b) => a + b, 0),
          keysWithExpiry: content.keysWithExpiry,
          ...options.fastPath,
          // The whole transfer and load: the answer timeout plus a generous 10 MB/s for the file.
          timeoutMs: (options.timeoutMs ?? 60_000) + source.sizeBytes / 10_000,
          ...(signal ? { signal } : {}),
        });
        options.onProgress?.(source.sizeBytes, source.sizeBytes);
        report.method = 'replication';
        report.keysRestored = Object.values(content.keysPerDb).reduce((a, b) => a + b, 0);
        report.functionLibraries = content.functions;
        return report;
      } catch (error) {
        if (signal?.aborted) throw error;
        report.warnings.push(
          `the replication fast path was not used (${(error as Error).message}); keys were written with commands`,
        );
      }
      // The fast path may have taken longer than this connection may stay idle: the writer gets a fresh one.
      connection.close();
      connection = await connect(options);
    }
    const pipeline = new CommandPipeline(connection, options.window ?? DEFAULT_WINDOW, (label) =>
      restoreLabel(label as RdbKeyRecord, content.magic),
    );
    await pipeline.send(['FLUSHALL'], 'FLUSHALL');
    // FLUSHALL leaves function libraries in place; the backup's (or none) replace them too.
    if (target.rdbVersion >= FUNCTIONS_SINCE_RDB)
      await pipeline.send(['FUNCTION', 'FLUSH'], 'FUNCTION FLUSH');
    let droppedFieldExpiries = 0;
    let db = 0;
    let functions: Buffer[] = [];
    let functionsSent = false;
    const sendFunctions = async () => {
      functionsSent = true;
      if (functions.length === 0) return;
      await pipeline.send(
        ['FUNCTION', 'RESTORE', functionsPayload(functions, plan.footerVersion)],
        'FUNCTION RESTORE',
      );
      report.functionLibraries = functions.length;
      functions = [];
    };

    const parserOffset = { value: 0 };
    for await (const events of readRdb(countingBytes(await source.open(), parserOffset), {
      captureLimit,
    })) {
      if (signal?.aborted) throw new Error('the restore was cancelled');
      for (const event of events) {
        if (event.kind === 'function') functions.push(event.code);
        if (event.kind !== 'key') continue;
        if (!functionsSent) await sendFunctions();
        const { record } = event;
        if (record.db !== db) {
          await pipeline.send(['SELECT', record.db], `SELECT ${record.db}`);
          db = record.db;
        }
        if (record.expireAtMs !== null && record.expireAtMs <= options.now()) {
          report.keysExpired++;
          continue;
        }
        const route = plan.routes.get(record.type)!;
        if (route === 'rewrite') {
          if (!record.value) {
            // The plan refuses such keys up front; this guards a plan made without per-type sizes.
            throw new Error(
              `key "${printable(record.key)}" needs rebuilding with commands and is too large to hold (${record.valueLength} bytes)`,
            );
          }
          const rewrite = rewriteKey(
            record.key,
            decodeValue(record.type, record.value, content.magic ?? 'REDIS'),
            record.expireAtMs,
            target.rdbVersion,
            options.now(),
          );
          for (const command of rewrite.commands) {
            const wait = pipeline.send(command, `${String(command[0])} of key "${printable(record.key)}"`);
            if (wait) await wait;
          }
          droppedFieldExpiries += rewrite.droppedFieldExpiries;
          report.keysRewritten++;
          continue;
        }
        if (record.value) {
          const wait = pipeline.sendRestore(
            record.key,
            record.expireAtMs ?? 0,
            record.type,
            record.value,
            plan.footerVersion,
            encodedOptions(record),
            record,
          );
          if (wait) await wait;
        } else {
          await sendStreamedRestore(
            pipeline,
            source,
            record,
            plan.footerVersion,
            restoreLabel(record, content.magic),
          );
          report.keysStreamed++;
        }
        if (route === 'relabel') report.keysRelabelled++;
        else report.keysRestored++;
      }
      options.onProgress?.(parserOffset.value, source.sizeBytes);
    }
    if (!functionsSent) await sendFunctions();
    await pipeline.drain();
    if (droppedFieldExpiries > 0) {
      report.warnings.push(`${droppedFieldExpiries} hash field expiry times were not carried over`);
    }
    return report;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    connection.close();
  }
}

async function connect(options: RestoreOptions): Promise<RespConnection> {
  const connection = await RespConnection.open(options.target, options.timeoutMs ?? 60_000);
  try {
    await authenticate(connection, options.target);
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}

/**
 * Reads the file once before the target is touched. With what was recorded when it was stored, a SHA-256 pass
 * proves the bytes unchanged; otherwise the whole structure is walked and the CRC-64 checked.
 */
async function preflightRead(source: RestoreSource): Promise<BackupContent> {
  if (source.known) {
    const hash = createHash('sha256');
    for await (const chunk of (await source.open()) as AsyncIterable<Buffer>) hash.update(chunk);
    if (hash.digest('hex') !== source.known.sha256) {
      throw new RestoreRefused('the backup file has changed since it was stored (its SHA-256 differs)');
    }
    return source.known.content;
  }
  const found = await inspectRdb(await source.open(), { deep: false, sha256: false, captureLimit: 0 });
  const usedMemory = Number(found.aux['used-mem']);
  return { ...found, usedMemory: Number.isFinite(usedMemory) ? usedMemory : null };
}

/** What follows the payload in RESTORE key ttl payload: REPLACE [ABSTTL] [IDLETIME s | FREQ f]. */
const PLAIN_OPTIONS = encodeArgs(['REPLACE']);
const EXPIRING_OPTIONS = encodeArgs(['REPLACE', 'ABSTTL']);

/** The arguments after the payload, encoded: the common cases are encoded once, not per key. */
function encodedOptions(record: RdbKeyRecord): EncodedArgs {
  if (record.idleSeconds === null && record.freq === null) {
    return record.expireAtMs === null ? PLAIN_OPTIONS : EXPIRING_OPTIONS;
  }
  return encodeArgs(restoreOptions(record));
}

function restoreOptions(record: RdbKeyRecord): Arg[] {
  const extra: Arg[] = ['REPLACE'];
  if (record.expireAtMs !== null) extra.push('ABSTTL');
  if (record.idleSeconds !== null) extra.push('IDLETIME', record.idleSeconds);
  else if (record.freq !== null) extra.push('FREQ', record.freq);
  return extra;
}

/**
 * A RESTORE whose value is sent from the file in pieces, the CRC computed on the way: a value of hundreds of
 * megabytes never sits in memory.
 */
async function sendStreamedRestore(
  pipeline: CommandPipeline,
  source: RestoreSource,
  record: RdbKeyRecord,
  version: number,
  label: string,
): Promise<void> {
  const options = restoreOptions(record);
  const payloadLength = 1 + record.valueLength + 10;
  const head = encodeBinaryCommand(['RESTORE', record.key, record.expireAtMs ?? 0]);
  const argCount = 4 + options.length;
  // The command header announces every argument; the first three are already encoded above.
  const header = Buffer.concat([
    Buffer.from(`*${argCount}\r\n`),
    head.subarray(head.indexOf('\r\n') + 2),
    Buffer.from(`$${payloadLength}\r\n`),
    Buffer.from([record.type]),
  ]);
  const tail = encodeBinaryCommand(options);
  await pipeline.reserve(header.length + payloadLength + tail.length, label);
  const crc = new Crc64().update(Buffer.from([record.type]));
  await pipeline.writeRaw(header);
  const stream = await source.openRange(record.valueOffset, record.valueOffset + record.valueLength);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    crc.update(chunk);
    await pipeline.writeRaw(chunk);
  }
  await pipeline.writeRaw(
    Buffer.concat([
      payloadFooter(crc, version),
      Buffer.from('\r\n'),
      tail.subarray(tail.indexOf('\r\n') + 2),
    ]),
  );
}

function restoreLabel(record: RdbKeyRecord, magic: 'REDIS' | 'VALKEY' | null): string {
  return `RESTORE of ${typeName(magic ?? 'REDIS', record.type)} key "${printable(record.key)}" (database ${record.db})`;
}

/** A key for a message: text as it is, binary shown escaped, long keys cut. */
function printable(key: Buffer): string {
  const text = key
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Passes chunks through, counting the bytes that went by. */
async function* countingBytes(stream: Readable, counter: { value: number }): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    counter.value += chunk.length;
    yield chunk;
  }
}
