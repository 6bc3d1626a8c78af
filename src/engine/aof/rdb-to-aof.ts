import { type RdbEvent, RdbFormatError, RdbParser } from '../rdb/rdb-reader.ts';
import { RdbIntegrity } from '../rdb/rdb-integrity.ts';
import { decodeValue } from '../rdb/value-decoder.ts';
import { rewriteKey } from '../restore/command-rewrite.ts';
import { printable } from '../restore/restore-commands.ts';
import { encodeBinaryCommand } from '../restore/resp-command.ts';

/** Values up to this size are decoded in memory; the converter holds one value at a time. */
const DEFAULT_VALUE_LIMIT = 64 * 1024 * 1024;
/** Output is handed on in pieces of about this size, so a stream of small keys is not one write per command. */
const OUTPUT_BATCH = 256 * 1024;

export interface RdbToAofOptions {
  /**
   * The RDB version whose commands the output may use: stream counters and consumers need 10 (Redis 7.0), hash
   * field expiry 12 (Redis 7.4). Default: the source's own, so nothing it holds is lost.
   */
  targetRdbVersion?: number;
  /** The time against which keys already expired are left out (as a load of the RDB would). */
  now: () => number;
  /** Values larger than this cannot be converted: the conversion fails naming the key. */
  valueLimit?: number;
}

/** What a conversion read and wrote, for the record and the report. */
export interface AofConversionSummary {
  magic: 'REDIS' | 'VALKEY' | null;
  rdbVersion: number | null;
  keysPerDb: Record<string, number>;
  keysExpired: number;
  keysEmpty: number;
  functions: number;
  commands: number;
  /** Hash field expiry times a target older than the source's cannot keep. */
  droppedFieldExpiries: number;
  aofBytes: number;
}

/** The RDB holds something a command stream cannot carry (module data, a value over the limit). */
export class AofConversionError extends Error {
  override name = 'AofConversionError';
}

/**
 * Turns an RDB into the RESP command stream an AOF holds, push by push as the RDB's bytes arrive: only the bytes
 * of the value being read and one batch of output are held. Each key is written with ordinary commands (the
 * restore engine's rewrite: SET, RPUSH/SADD/ZADD/HSET in chunks, XADD with ids and the stream's groups,
 * consumers and pending entries, PEXPIREAT for a TTL), SELECT where the database changes and FUNCTION LOAD for
 * each library, so that any Redis or Valkey that has those commands loads it, whatever RDB version it reads.
 * Structure is checked by the parser; the RDB's checksum is the caller's (the output must not be trusted until
 * it checked out).
 */
export class RdbToAofConverter {
  readonly #parser: RdbParser;
  readonly #options: RdbToAofOptions;
  readonly #summary: AofConversionSummary = {
    magic: null,
    rdbVersion: null,
    keysPerDb: {},
    keysExpired: 0,
    keysEmpty: 0,
    functions: 0,
    commands: 0,
    droppedFieldExpiries: 0,
    aofBytes: 0,
  };
  /** The database the output has selected: a loading server starts in 0. */
  #db = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(options: RdbToAofOptions) {
    this.#options = options;
    const limit = options.valueLimit ?? DEFAULT_VALUE_LIMIT;
    this.#parser = new RdbParser({ captureLimit: limit });
  }

  get summary(): AofConversionSummary {
    return this.#summary;
  }

  /** Feeds RDB bytes; returns the output they completed (possibly none). */
  push(chunk: Buffer): Buffer[] {
    this.#handle(this.#parser.push(chunk));
    return this.#take(false);
  }

  /** The RDB ended: throws unless it ended exactly at its end; returns the rest of the output. */
  finish(): Buffer[] {
    this.#handle(this.#parser.finish());
    return this.#take(true);
  }

  #handle(events: RdbEvent[]): void {
    for (const event of events) {
      switch (event.kind) {
        case 'header':
          this.#summary.magic = event.magic;
          this.#summary.rdbVersion = event.version;
          break;
        case 'function':
          this.#summary.functions++;
          this.#emit(['FUNCTION', 'LOAD', 'REPLACE', event.code]);
          break;
        case 'key':
          this.#key(event.record);
          break;
        default:
          break;
      }
    }
  }

  #key(record: Extract<RdbEvent, { kind: 'key' }>['record']): void {
    if (record.empty) {
      this.#summary.keysEmpty++;
      return;
    }
    if (record.expireAtMs !== null && record.expireAtMs <= this.#options.now()) {
      this.#summary.keysExpired++;
      return;
    }
    if (!record.value) {
      throw new AofConversionError(
        `key "${printable(record.key)}" (database ${record.db}) is too large to convert (${record.valueLength} bytes)`,
      );
    }
    const value = decodeValue(record.type, record.value, this.#summary.magic ?? 'REDIS');
    if (value.kind === 'module') {
      throw new AofConversionError(
        `key "${printable(record.key)}" (database ${record.db}) holds data of module ${value.moduleName}, which commands cannot rebuild`,
      );
    }
    if (record.db !== this.#db) {
      this.#emit(['SELECT', record.db]);
      this.#db = record.db;
    }
    const version = this.#options.targetRdbVersion ?? this.#summary.rdbVersion ?? 0;
    const rewrite = rewriteKey(record.key, value, record.expireAtMs, version, this.#options.now());
    for (const command of rewrite.commands) this.#emit(command);
    this.#summary.droppedFieldExpiries += rewrite.droppedFieldExpiries;
    const db = String(record.db);
    this.#summary.keysPerDb[db] = (this.#summary.keysPerDb[db] ?? 0) + 1;
  }

  #emit(command: Parameters<typeof encodeBinaryCommand>[0]): void {
    const bytes = encodeBinaryCommand(command);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.#summary.commands++;
  }

  #take(all: boolean): Buffer[] {
    if (this.#pendingBytes === 0 || (!all && this.#pendingBytes < OUTPUT_BATCH)) return [];
    const out = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#summary.aofBytes += out.length;
    this.#pending = [];
    this.#pendingBytes = 0;
    return [out];
  }
}

/**
 * Converts a whole RDB read from `source` into its AOF, yielded in pieces. The output is only good once the
 * generator returned: it throws at the end when the RDB's checksum does not match (RDB 1–4 carry none, and are
 * accepted after the full structural read the conversion is). `converter.summary` is complete at the end.
 */
export async function* convertRdbToAof(
  source: AsyncIterable<Buffer>,
  converter: RdbToAofConverter,
): AsyncGenerator<Buffer> {
  const integrity = new RdbIntegrity({ sha256: false });
  for await (const chunk of source) {
    integrity.push(chunk);
    yield* converter.push(chunk);
  }
  const rest = converter.finish();
  const { problem, rdbVersion } = integrity.finish();
  if (problem && !(rdbVersion !== null && rdbVersion < 5)) {
    throw new RdbFormatError(problem);
  }
  yield* rest;
}

export { RdbFormatError };
