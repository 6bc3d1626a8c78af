import { createHash, type Hash } from 'node:crypto';
import { Crc64 } from './crc64.ts';

const EOF_OPCODE = 0xff;
const TRAILER = 8;
/** The newest RDB version this service understands (Redis 7.4 to 8.4). Valkey 9 writes VALKEY080. */
export const MAX_RDB_VERSION = 12;

export type ChecksumStatus = 'ok' | 'absent' | 'mismatch';

export interface RdbSummary {
  sizeBytes: number;
  sha256: string;
  /** The version digits of the header ("0010" → 10), or null when the header is not an RDB header. */
  rdbVersion: number | null;
  /** "REDIS" or "VALKEY". */
  magic: string | null;
  checksum: ChecksumStatus;
  /** Whether the byte before the trailer is the EOF opcode. */
  endsWithEofOpcode: boolean;
  /** Why the file cannot be trusted, or null when it passed every check. */
  problem: string | null;
}

/**
 * Follows an RDB file as it streams past, in one pass and constant memory: byte count, SHA-256, the header,
 * and CRC-64 over everything but the 8-byte trailer, which is held back until the end so it can be compared.
 */
export class RdbIntegrity {
  readonly #crc = new Crc64();
  /** Absent when the caller has no use for the SHA-256 (a restore's pre-flight read): it costs a pass. */
  readonly #sha: Hash | null;
  #size = 0;
  #header = Buffer.alloc(0);
  /** The last bytes seen, up to 8, not yet folded into the CRC: they may be the trailer. */
  #pending = Buffer.alloc(0);
  /** The last byte folded into the CRC: the EOF opcode if the file ends now. */
  #lastCrcByte = -1;

  constructor(options: { sha256?: boolean } = {}) {
    this.#sha = options.sha256 === false ? null : createHash('sha256');
  }

  get sizeBytes(): number {
    return this.#size;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#size += chunk.length;
    this.#sha?.update(chunk);
    if (this.#header.length < 9)
      this.#header = Buffer.concat([this.#header, chunk.subarray(0, 9 - this.#header.length)]);
    if (this.#pending.length + chunk.length <= TRAILER) {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      return;
    }
    // Fold the held-back bytes and all but the last 8 of the chunk into the CRC, without copying the chunk.
    const fromPending = Math.min(this.#pending.length, this.#pending.length + chunk.length - TRAILER);
    if (fromPending > 0) {
      this.#crc.update(this.#pending.subarray(0, fromPending));
      this.#lastCrcByte = this.#pending[fromPending - 1]!;
    }
    const chunkCut = Math.max(0, chunk.length - TRAILER);
    if (chunkCut > 0) {
      this.#crc.update(chunk.subarray(0, chunkCut));
      this.#lastCrcByte = chunk[chunkCut - 1]!;
    }
    this.#pending = Buffer.concat([this.#pending.subarray(fromPending), chunk.subarray(chunkCut)]);
  }

  finish(): RdbSummary {
    const header = parseHeader(this.#header);
    const trailer = this.#pending;
    const complete = trailer.length === TRAILER;
    const checksum: ChecksumStatus = !complete
      ? 'mismatch'
      : trailer.every((b) => b === 0)
        ? 'absent'
        : this.#crc.digest().equals(trailer)
          ? 'ok'
          : 'mismatch';
    const endsWithEofOpcode = complete && this.#lastCrcByte === EOF_OPCODE;
    let problem: string | null = null;
    if (!header) problem = 'the data does not start with an RDB header';
    else if (header.version > MAX_RDB_VERSION && header.magic === 'REDIS')
      problem = `RDB version ${header.version} is newer than this service understands (${MAX_RDB_VERSION})`;
    else if (header.version < 5) problem = noChecksumInFormat(header.version);
    else if (!endsWithEofOpcode) problem = 'the RDB ended without its EOF opcode (truncated?)';
    else if (checksum === 'mismatch') problem = 'the CRC-64 checksum does not match the content';
    return {
      sizeBytes: this.#size,
      sha256: this.#sha?.digest('hex') ?? '',
      rdbVersion: header?.version ?? null,
      magic: header?.magic ?? null,
      checksum,
      endsWithEofOpcode,
      problem,
    };
  }
}

/** The problem of an RDB older than checksums (1 to 4): readers that accept them after a full read match it. */
export function noChecksumInFormat(version: number): string {
  return `RDB version ${version} carries no checksum`;
}

function parseHeader(header: Buffer): { magic: string; version: number } | null {
  const text = header.toString('latin1');
  const redis = /^REDIS(\d{4})$/.exec(text);
  if (redis) return { magic: 'REDIS', version: Number(redis[1]) };
  const valkey = /^VALKEY(\d{3})$/.exec(text);
  if (valkey) return { magic: 'VALKEY', version: Number(valkey[1]) };
  return null;
}
