import type { RdbIntegrity } from '../rdb/rdb-integrity.ts';

/** How the master framed the RDB: a length prefix (disk-based sync) or an end mark (diskless sync). */
export type Framing = 'length' | 'eof-mark';

export class ReplicationProtocolError extends Error {
  /** True when the master answered with an error line ("-ERR ..."), rather than sending garbage. */
  readonly refused: boolean;
  constructor(message: string, refused = false) {
    super(message);
    this.refused = refused;
  }
}

/** The diskless end mark; the last this many bytes stay unconsumed until we know they are not the mark. */
const MARK_LENGTH = 40;
const MAX_PREAMBLE_LINE = 1024;

export interface SyncStreamInfo {
  framing: Framing | null;
  replicationId: string | null;
  replicationOffset: number | null;
}

/**
 * Parses what follows SYNC/PSYNC: keepalive newlines, an optional +FULLRESYNC line, then the RDB in either
 * framing. RDB bytes go to the integrity tracker and the sink; anything after the RDB is ignored. Feed it
 * chunks as they arrive, split anywhere.
 */
export class SyncStreamParser {
  readonly info: SyncStreamInfo = { framing: null, replicationId: null, replicationOffset: null };
  readonly #integrity: RdbIntegrity;
  readonly #sink: (chunk: Buffer) => void;
  #line = Buffer.alloc(0);
  #remaining = 0;
  #mark: Buffer | null = null;
  #tail = Buffer.alloc(0);
  #done = false;

  constructor(integrity: RdbIntegrity, sink: (chunk: Buffer) => void) {
    this.#integrity = integrity;
    this.#sink = sink;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Length of the RDB when the master announced it, for progress. */
  get announcedLength(): number | null {
    return this.info.framing === 'length' ? this.#integrity.sizeBytes + this.#remaining : null;
  }

  feed(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0 && !this.#done) {
      if (this.info.framing === null) data = this.#preamble(data);
      else if (this.info.framing === 'length') data = this.#lengthPayload(data);
      else data = this.#markPayload(data);
    }
  }

  #emit(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#integrity.push(bytes);
    this.#sink(bytes);
  }

  #preamble(data: Buffer): Buffer {
    let start = 0;
    if (this.#line.length === 0) {
      while (start < data.length && data[start] === 0x0a) start++; // keepalives
      if (start === data.length) return Buffer.alloc(0);
    }
    const newline = data.indexOf(0x0a, start);
    if (newline < 0) {
      this.#line = Buffer.concat([this.#line, data.subarray(start)]);
      if (this.#line.length > MAX_PREAMBLE_LINE)
        throw new ReplicationProtocolError('the master sent an overlong line');
      return Buffer.alloc(0);
    }
    const line = Buffer.concat([this.#line, data.subarray(start, newline)])
      .toString('latin1')
      .replace(/\r$/, '');
    this.#line = Buffer.alloc(0);
    this.#interpret(line);
    return data.subarray(newline + 1);
  }

  #interpret(line: string): void {
    const fullResync = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(line);
    if (fullResync) {
      this.info.replicationId = fullResync[1]!;
      this.info.replicationOffset = Number(fullResync[2]);
      return;
    }
    if (line.startsWith('-'))
      throw new ReplicationProtocolError(`the master refused the sync: ${line.slice(1)}`, true);
    const eof = /^\$EOF:(.{40})$/.exec(line);
    if (eof) {
      this.info.framing = 'eof-mark';
      this.#mark = Buffer.from(eof[1]!, 'latin1');
      return;
    }
    const length = /^\$(\d{1,15})$/.exec(line);
    if (length) {
      this.info.framing = 'length';
      this.#remaining = Number(length[1]);
      if (this.#remaining === 0) throw new ReplicationProtocolError('the master announced an empty RDB');
      return;
    }
    throw new ReplicationProtocolError(`unexpected reply to the sync: ${JSON.stringify(line.slice(0, 80))}`);
  }

  #lengthPayload(data: Buffer): Buffer {
    const take = Math.min(this.#remaining, data.length);
    this.#emit(data.subarray(0, take));
    this.#remaining -= take;
    if (this.#remaining === 0) this.#done = true;
    return data.subarray(take);
  }

  /**
   * Diskless framing: the transfer ends where the 40-byte mark first appears, as a replica reads it, whatever the
   * bytes before it hold; judging them (EOF opcode, CRC-64) is the integrity check's job once the stream is done.
   * So a corrupted or truncated RDB followed by its mark ends the transfer at once instead of waiting for a valid
   * end that never comes. The mark is 40 random hex characters chosen per transfer: it cannot plausibly occur
   * inside the data. It is searched across chunk boundaries (the last 40 bytes are held back until more arrive),
   * and anything after it (keepalives, a command stream) is ignored.
   */
  #markPayload(data: Buffer): Buffer {
    const mark = this.#mark!;
    const tail = this.#tail;
    let at = -1;
    if (tail.length > 0) {
      // A mark that starts in the held-back tail: search a small window, so the chunk itself is never copied.
      const boundary = Buffer.concat([tail, data.subarray(0, MARK_LENGTH - 1)]);
      const found = boundary.indexOf(mark);
      if (found >= 0 && found < tail.length) at = found;
    }
    if (at < 0) {
      const found = data.indexOf(mark);
      if (found >= 0) at = tail.length + found;
    }
    if (at >= 0) {
      this.#emit(at <= tail.length ? tail.subarray(0, at) : tail);
      if (at > tail.length) this.#emit(data.subarray(0, at - tail.length));
      this.#done = true;
      this.#tail = Buffer.alloc(0);
      return Buffer.alloc(0);
    }
    if (data.length >= MARK_LENGTH) {
      this.#emit(tail);
      this.#emit(data.subarray(0, data.length - MARK_LENGTH));
      this.#tail = Buffer.from(data.subarray(data.length - MARK_LENGTH));
    } else {
      const window = Buffer.concat([tail, data]);
      const keep = Math.min(MARK_LENGTH, window.length);
      this.#emit(window.subarray(0, window.length - keep));
      this.#tail = window.subarray(window.length - keep);
    }
    return Buffer.alloc(0);
  }
}
