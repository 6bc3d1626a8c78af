import { lzfDecompress } from './lzf.ts';
import { packedIsEmpty, SMALL_PACKED_BYTES } from './empty-values.ts';
import { lengthFieldSize, lengthFieldValue, RdbFormatError, safeNumber } from './rdb-length.ts';
import {
  MAX_REDIS_RDB_VERSION,
  MAX_VALKEY_RDB_VERSION,
  OP,
  type RdbMagic,
  TYPE,
  typeInfo,
  VALKEY_HASH_2,
} from './rdb-types.ts';

/** One key as the file stores it: enough to restore it (DUMP payload) or decode it. */
export interface RdbKeyRecord {
  db: number;
  key: Buffer;
  type: number;
  /** Absolute expiry in unix ms, or null. */
  expireAtMs: number | null;
  /** LRU idle time in seconds (maxmemory-policy *lru), or null. */
  idleSeconds: number | null;
  /** LFU counter (maxmemory-policy *lfu), or null. */
  freq: number | null;
  /** The value's bytes exactly as in the file (what a DUMP payload carries); null when over the capture limit. */
  value: Buffer | null;
  /** Where the value's bytes are in the file, so a value too big to hold can be read again from there. */
  valueOffset: number;
  valueLength: number;
  /**
   * A collection with no elements (an empty set, list, hash or sorted set, in any encoding). Redis skips such a
   * key when it loads the file (rdbLoadObject's "empty keys skipped"), and RESTORE refuses its payload.
   */
  empty: boolean;
}

export type RdbEvent =
  | { kind: 'header'; magic: RdbMagic; version: number }
  | { kind: 'aux'; key: string; value: Buffer }
  | { kind: 'selectdb'; db: number }
  | { kind: 'resizedb'; size: number; expires: number }
  | { kind: 'function'; code: Buffer }
  | { kind: 'module-aux'; moduleId: bigint }
  | { kind: 'key'; record: RdbKeyRecord }
  | { kind: 'end'; checksum: Buffer | null };

export { RdbFormatError } from './rdb-length.ts';

// What the grammar asks the driver for. Numbers rather than objects: one is asked for per string.
const NEED_BYTE = 0;
const NEED_LEN = 1;
const NEED_STR = 2;
const NEED_SKIP_STR = 3;
const NEED_BYTES = 4;
const NEED_SKIP = 5;
const NEED_OFFSET = 6;
const NEED_CAPTURE_START = 7;
const NEED_CAPTURE_END = 8;
/** A length whose value does not matter to the grammar (an id, a time): consumed, never converted. */
const NEED_SKIP_LEN = 9;
/** A 64-bit length kept whole (module type ids use every bit). */
const NEED_LEN_BIG = 10;
/** A string returned only when at most SMALL_PACKED_BYTES long once decoded (an empty packed value is); else null. */
const NEED_SMALL_STR = 11;
const MORE = Symbol('more');

type Grammar = Generator<number, void, unknown>;
/** The grammar of one value: returns whether the value is an empty collection. */
type ValueGrammar = Generator<number, boolean, unknown>;

/**
 * Bytes of a new chunk copied into a bridge beyond what the waiting primitive needs. Small: a transfer's chunk
 * borders fall inside a value almost every time, and a bridge the size of a socket read (64 KiB) copied nearly
 * every byte of the stream once more. The parser leaves the bridge for the chunk as soon as the primitive that
 * straddled the border is read.
 */
const BRIDGE_BYTES = 1024;

const ENCODED_INT8 = 0;
const ENCODED_INT16 = 1;
const ENCODED_INT32 = 2;
const ENCODED_LZF = 3;

export interface RdbParserOptions {
  /** Values larger than this are not kept (RdbKeyRecord.value is null); their offsets still are. */
  captureLimit?: number;
  /**
   * A pushed chunk is valid only during push() (its memory is reused after): the parser then copies what it
   * keeps past the call, usually the few bytes of a value cut by the chunk's end, instead of holding the chunk.
   */
  borrowed?: boolean;
}

/**
 * A streaming RDB parser: push chunks of any size (a byte at a time works) and get the events they complete.
 * The grammar runs as a generator that asks for one primitive at a time (a length, a string, n bytes) and
 * waits, suspended, until the bytes have arrived; so a value is never parsed twice and only the bytes of the
 * value being read are held. It checks structure, not the CRC: RdbIntegrity does that over the same bytes.
 */
export class RdbParser {
  readonly #captureLimit: number;
  readonly #borrowed: boolean;
  readonly #grammar: Grammar;
  #need = NEED_BYTES;
  #count = 9;
  #events: RdbEvent[] = [];
  #done = false;

  /** Unconsumed input starts at #buf[#pos]; #base is the absolute offset of #buf[0]. */
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #base = 0;
  /** Chunks held back while a primitive waits for more bytes than have arrived (joined once, not per chunk). */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** While the parser reads a bridge: the chunk the bridge's second part was copied from, and where that ends. */
  #tail: Buffer | null = null;
  #tailFrom = 0;
  /** How many of the bridge's bytes came from the previous buffer. */
  #bridgeRest = 0;
  /** Bytes the waiting primitive needs from #pos before it can be tried again. */
  #required = 0;

  /** Capture of the current value: pieces already cut from replaced buffers, and where the rest starts. */
  #capturing = false;
  #capturePieces: Buffer[] = [];
  #captureBytes = 0;
  #captureFrom = 0;
  #captureOverflow = false;

  #magic: RdbMagic = 'REDIS';
  #version = 0;

  constructor(options: RdbParserOptions = {}) {
    this.#captureLimit = options.captureLimit ?? 64 * 1024 * 1024;
    this.#borrowed = options.borrowed === true;
    this.#grammar = this.#file();
    this.#grammar.next();
  }

  /** Absolute offset of the next unread byte. */
  get offset(): number {
    return this.#base + this.#pos;
  }

  get done(): boolean {
    return this.#done;
  }

  push(chunk: Buffer): RdbEvent[] {
    if (chunk.length === 0) return this.#take();
    if (this.#done) throw new RdbFormatError('data follows the end of the RDB file');
    const available = this.#buf.length - this.#pos + this.#heldBytes;
    if (available + chunk.length < this.#required) {
      this.#held.push(this.#borrowed ? Buffer.from(chunk) : chunk);
      this.#heldBytes += chunk.length;
      return [];
    }
    this.#adopt(chunk);
    this.#run();
    if (this.#borrowed) this.#detach(chunk);
    return this.#take();
  }

  /** For borrowed chunks: whatever still refers to the chunk's memory becomes a copy of the part still needed. */
  #detach(chunk: Buffer): void {
    if (this.#tail !== null) {
      // Inside a bridge: the bridge itself is a copy; the rest of the chunk is not, and is kept whole since
      // positions past the bridge count from its start.
      if (this.#tail.buffer === chunk.buffer) this.#tail = Buffer.from(this.#tail);
      return;
    }
    if (this.#buf.buffer !== chunk.buffer || this.#done) return;
    if (this.#capturing) this.#cutCapture();
    this.#base += this.#pos;
    this.#buf = Buffer.from(this.#buf.subarray(this.#pos));
    this.#pos = 0;
    if (this.#capturing) this.#captureFrom = 0;
  }

  /** Called when the input ends: throws unless the file ended exactly at its EOF opcode and trailer. */
  finish(): RdbEvent[] {
    if (!this.#done) {
      throw new RdbFormatError(
        `the RDB file is truncated: it ends at byte ${this.offset} in the middle of its content`,
      );
    }
    return this.#take();
  }

  #take(): RdbEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  /**
   * Makes new bytes current. The common case copies nothing: the chunk becomes the buffer. When a primitive
   * straddles the boundary, only a short bridge (the old buffer's rest and the chunk's first bytes) is copied,
   * and the parser moves onto the chunk itself once it is past the rest. Chunks held back for a large value
   * are joined once.
   */
  #adopt(chunk: Buffer): void {
    if (this.#capturing) this.#cutCapture();
    const rest = this.#buf.subarray(this.#pos);
    this.#base += this.#pos;
    this.#pos = 0;
    if (this.#held.length > 0) {
      this.#buf = Buffer.concat([rest, ...this.#held, chunk]);
    } else if (rest.length === 0) {
      this.#buf = chunk;
    } else {
      const take = Math.min(chunk.length, Math.max(0, this.#required - rest.length) + BRIDGE_BYTES);
      this.#buf = Buffer.concat([rest, chunk.subarray(0, take)]);
      if (take < chunk.length) {
        this.#tail = chunk;
        this.#bridgeRest = rest.length;
        this.#tailFrom = take;
      }
    }
    this.#held = [];
    this.#heldBytes = 0;
    this.#required = 0;
    if (this.#capturing) this.#captureFrom = 0;
  }

  /** Leaves the bridge for the chunk it was cut from, once the rest of the old buffer is behind. */
  #leaveBridge(): void {
    const tail = this.#tail!;
    if (this.#capturing) this.#cutCapture();
    this.#base += this.#bridgeRest;
    this.#pos -= this.#bridgeRest;
    this.#buf = tail;
    this.#tail = null;
    if (this.#capturing) this.#captureFrom = this.#pos;
  }

  /** A primitive in the old rest needs more than the bridge holds: join the remainder (rare, large primitives). */
  #widenBridge(): void {
    const tail = this.#tail!;
    if (this.#capturing) this.#cutCapture();
    this.#buf = Buffer.concat([this.#buf.subarray(this.#pos), tail.subarray(this.#tailFrom)]);
    this.#base += this.#pos;
    this.#pos = 0;
    this.#tail = null;
    if (this.#capturing) this.#captureFrom = 0;
  }

  #cutCapture(): void {
    const piece = this.#buf.subarray(this.#captureFrom, this.#pos);
    this.#captureBytes += piece.length;
    if (this.#captureBytes > this.#captureLimit) {
      this.#captureOverflow = true;
      this.#capturePieces = [];
    } else if (piece.length > 0) {
      // A copy: the piece must not pin the whole (possibly large) buffer it came from.
      this.#capturePieces.push(Buffer.from(piece));
    }
  }

  #run(): void {
    for (;;) {
      if (this.#tail !== null && this.#pos >= this.#bridgeRest) this.#leaveBridge();
      const result = this.#fulfil();
      if (result === MORE) {
        if (this.#tail === null) return;
        if (this.#pos >= this.#bridgeRest) this.#leaveBridge();
        else this.#widenBridge();
        continue;
      }
      const step = this.#grammar.next(result);
      if (step.done) {
        this.#done = true;
        if (this.#pos < this.#buf.length || this.#heldBytes > 0 || this.#tail !== null) {
          throw new RdbFormatError('data follows the end of the RDB file');
        }
        return;
      }
      this.#need = step.value;
    }
  }

  /** Gives the grammar what it asked for, or MORE (and how much more, in #required) when it has not arrived. */
  #fulfil(): unknown {
    const buf = this.#buf;
    const pos = this.#pos;
    const left = buf.length - pos;
    switch (this.#need) {
      case NEED_BYTE:
        if (left < 1) return this.#wait(1);
        this.#pos = pos + 1;
        return buf[pos];
      case NEED_LEN:
      case NEED_SKIP_LEN:
      case NEED_LEN_BIG: {
        if (left < 1) return this.#wait(1);
        const first = buf[pos]!;
        const size = lengthFieldSize(first);
        if (size === 0) {
          throw new RdbFormatError(
            `invalid length encoding 0x${first.toString(16)} at byte ${this.#base + pos}`,
          );
        }
        if (left < size) return this.#wait(size);
        this.#pos = pos + size;
        if (this.#need === NEED_SKIP_LEN) return undefined;
        const value = lengthFieldValue(buf, pos, size);
        if (this.#need === NEED_LEN_BIG) return BigInt(value);
        return typeof value === 'number' ? value : safeNumber(value);
      }
      case NEED_STR:
      case NEED_SKIP_STR:
      case NEED_SMALL_STR:
        return this.#string(this.#need);
      case NEED_BYTES: {
        if (left < this.#count) return this.#wait(this.#count);
        this.#pos = pos + this.#count;
        return buf.subarray(pos, pos + this.#count);
      }
      case NEED_SKIP:
        if (left < this.#count) return this.#wait(this.#count);
        this.#pos = pos + this.#count;
        return undefined;
      case NEED_OFFSET:
        return this.#base + pos;
      case NEED_CAPTURE_START:
        this.#capturing = true;
        this.#capturePieces = [];
        this.#captureBytes = 0;
        this.#captureOverflow = false;
        this.#captureFrom = pos;
        return undefined;
      case NEED_CAPTURE_END: {
        this.#capturing = false;
        const tail = buf.subarray(this.#captureFrom, pos);
        if (this.#captureOverflow || this.#captureBytes + tail.length > this.#captureLimit) return null;
        if (this.#capturePieces.length === 0) return tail;
        return Buffer.concat([...this.#capturePieces, tail]);
      }
      default:
        throw new Error(`unknown need ${this.#need}`);
    }
  }

  /** Fulfils a need at once from what is buffered, or answers MORE (and the grammar must yield it). */
  #now(need: number): unknown {
    this.#need = need;
    return this.#fulfil();
  }

  #wait(bytes: number): typeof MORE {
    this.#required = bytes;
    return MORE;
  }

  /**
   * An RDB string (length-prefixed, integer-encoded or LZF-compressed): decoded (NEED_STR), skipped
   * (NEED_SKIP_STR), or decoded only when small (NEED_SMALL_STR, null otherwise).
   */
  #string(need: number): unknown {
    const buf = this.#buf;
    const pos = this.#pos;
    const left = buf.length - pos;
    if (left < 1) return this.#wait(1);
    const first = buf[pos]!;
    if (first >> 6 === 3) return this.#encodedString(first & 0x3f, need);
    const header = lengthFieldSize(first);
    if (header === 0) {
      throw new RdbFormatError(`invalid string encoding 0x${first.toString(16)} at byte ${this.#base + pos}`);
    }
    if (left < header) return this.#wait(header);
    const length = safeNumber(lengthFieldValue(buf, pos, header));
    if (left < header + length) return this.#wait(header + length);
    this.#pos = pos + header + length;
    if (need === NEED_SKIP_STR) return undefined;
    if (need === NEED_SMALL_STR && length > SMALL_PACKED_BYTES) return null;
    return buf.subarray(pos + header, pos + header + length);
  }

  #encodedString(encoding: number, need: number): unknown {
    const decode = need !== NEED_SKIP_STR;
    const buf = this.#buf;
    const pos = this.#pos;
    const left = buf.length - pos;
    const intBytes = [1, 2, 4][encoding];
    if (encoding <= ENCODED_INT32 && intBytes !== undefined) {
      if (left < 1 + intBytes) return this.#wait(1 + intBytes);
      this.#pos = pos + 1 + intBytes;
      if (!decode) return undefined;
      const value =
        encoding === ENCODED_INT8
          ? buf.readInt8(pos + 1)
          : encoding === ENCODED_INT16
            ? buf.readInt16LE(pos + 1)
            : buf.readInt32LE(pos + 1);
      return Buffer.from(String(value));
    }
    if (encoding !== ENCODED_LZF) {
      throw new RdbFormatError(`invalid string encoding ${encoding} at byte ${this.#base + pos}`);
    }
    // C3 <len compressed> <len uncompressed> <bytes>: two lengths to read before the size is known.
    let at = pos + 1;
    const lengths: number[] = [];
    for (let i = 0; i < 2; i++) {
      if (at >= buf.length) return this.#wait(at - pos + 1);
      const size = lengthFieldSize(buf[at]!);
      if (size === 0) throw new RdbFormatError(`invalid LZF length at byte ${this.#base + at}`);
      if (at + size > buf.length) return this.#wait(at - pos + size);
      lengths.push(safeNumber(lengthFieldValue(buf, at, size)));
      at += size;
    }
    const [compressed, uncompressed] = lengths as [number, number];
    if (at + compressed > buf.length) return this.#wait(at - pos + compressed);
    this.#pos = at + compressed;
    if (!decode) return undefined;
    if (need === NEED_SMALL_STR && uncompressed > SMALL_PACKED_BYTES) return null;
    try {
      return lzfDecompress(buf.subarray(at, at + compressed), uncompressed);
    } catch (error) {
      throw new RdbFormatError(`${(error as Error).message} at byte ${this.#base + pos}`);
    }
  }

  #bytes(count: number): number {
    this.#count = count;
    return NEED_BYTES;
  }

  #skip(count: number): number {
    this.#count = count;
    return NEED_SKIP;
  }

  *#file(): Grammar {
    const header = (yield this.#bytes(9)) as Buffer;
    this.#readHeader(header);
    let db = 0;
    let expireAtMs: number | null = null;
    let idleSeconds: number | null = null;
    let freq: number | null = null;
    for (;;) {
      // Taken at once when the bytes are there: a yield per primitive costs more than the parsing itself.
      let next = this.#now(NEED_BYTE);
      if (next === MORE) next = yield NEED_BYTE;
      const op = next as number;
      switch (op) {
        case OP.AUX: {
          // A copy: the value may arrive in a later chunk, and a borrowed chunk is gone by then.
          const key = Buffer.from((yield NEED_STR) as Buffer);
          const value = (yield NEED_STR) as Buffer;
          this.#events.push({ kind: 'aux', key: key.toString('latin1'), value: Buffer.from(value) });
          break;
        }
        case OP.SELECTDB:
          db = (yield NEED_LEN) as number;
          this.#events.push({ kind: 'selectdb', db });
          break;
        case OP.RESIZEDB: {
          const size = (yield NEED_LEN) as number;
          const expires = (yield NEED_LEN) as number;
          this.#events.push({ kind: 'resizedb', size, expires });
          break;
        }
        case OP.EXPIRETIME_MS:
          expireAtMs = safeNumber(((yield this.#bytes(8)) as Buffer).readBigInt64LE(0));
          break;
        case OP.EXPIRETIME:
          expireAtMs = ((yield this.#bytes(4)) as Buffer).readInt32LE(0) * 1000;
          break;
        case OP.IDLE:
          idleSeconds = (yield NEED_LEN) as number;
          break;
        case OP.FREQ:
          freq = (yield NEED_BYTE) as number;
          break;
        case OP.FUNCTION2: {
          // Read before touching #events: the array is swapped while the grammar waits for bytes.
          const code = Buffer.from((yield NEED_STR) as Buffer);
          this.#events.push({ kind: 'function', code });
          break;
        }
        case OP.FUNCTION_PRE_GA:
          throw new RdbFormatError(
            'the file holds functions in the Redis 7.0 release-candidate format, which no released Redis loads',
          );
        case OP.MODULE_AUX: {
          const moduleId = (yield NEED_LEN_BIG) as bigint;
          const whenOpcode = (yield NEED_LEN) as number;
          yield NEED_SKIP_LEN; // when: before or after the keyspace
          if (whenOpcode !== 2) throw new RdbFormatError('invalid module aux record');
          yield* this.#moduleValue();
          this.#events.push({ kind: 'module-aux', moduleId });
          break;
        }
        case OP.SLOT_INFO:
          yield NEED_SKIP_LEN;
          yield NEED_SKIP_LEN;
          yield NEED_SKIP_LEN;
          break;
        case OP.VALKEY_SLOT_IMPORT: {
          // Redis gives 243 another meaning (KEY_META, RDB 13), which this reader refuses with the version.
          if (this.#magic !== 'VALKEY')
            throw new RdbFormatError(`unknown opcode ${op} at byte ${this.offset - 1}`);
          // The import job's name, then its slot ranges (start, end): cluster state, nothing to restore.
          yield NEED_SKIP_STR;
          const ranges = (yield NEED_LEN) as number;
          for (let i = 0; i < 2 * ranges; i++) yield NEED_SKIP_LEN;
          break;
        }
        case OP.EOF: {
          const checksum = this.#version >= 5 ? Buffer.from((yield this.#bytes(8)) as Buffer) : null;
          this.#events.push({ kind: 'end', checksum });
          return;
        }
        default: {
          const info = typeInfo(this.#magic, op);
          if (!info) {
            throw new RdbFormatError(
              `unknown value type or opcode ${op} at byte ${this.offset - 1} (${this.#magic} RDB version ${this.#version}): the file cannot be read safely past it`,
            );
          }
          let keyBytes = this.#now(NEED_STR);
          if (keyBytes === MORE) keyBytes = yield NEED_STR;
          const key = Buffer.from(keyBytes as Buffer);
          const valueOffset = this.#now(NEED_OFFSET) as number;
          this.#now(NEED_CAPTURE_START);
          let empty = false;
          if (op !== TYPE.STRING || this.#now(NEED_SKIP_STR) === MORE) empty = yield* this.#value(op);
          const value = this.#now(NEED_CAPTURE_END) as Buffer | null;
          const end = this.#now(NEED_OFFSET) as number;
          this.#events.push({
            kind: 'key',
            record: {
              db,
              key,
              type: op,
              expireAtMs,
              idleSeconds,
              freq,
              value,
              valueOffset,
              valueLength: end - valueOffset,
              empty,
            },
          });
          expireAtMs = null;
          idleSeconds = null;
          freq = null;
        }
      }
    }
  }

  #readHeader(header: Buffer): void {
    const text = header.toString('latin1');
    const redis = /^REDIS(\d{4})$/.exec(text);
    const valkey = /^VALKEY(\d{3})$/.exec(text);
    if (!redis && !valkey)
      throw new RdbFormatError('the data does not start with an RDB header (REDIS or VALKEY)');
    this.#magic = redis ? 'REDIS' : 'VALKEY';
    this.#version = Number((redis ?? valkey)![1]);
    const newest = this.#magic === 'REDIS' ? MAX_REDIS_RDB_VERSION : MAX_VALKEY_RDB_VERSION;
    if (this.#version < 1 || this.#version > newest || (this.#magic === 'VALKEY' && this.#version < 80)) {
      throw new RdbFormatError(
        `${this.#magic} RDB version ${this.#version} is not one this reader knows (${this.#magic === 'REDIS' ? `1 to ${newest}` : newest}): refusing rather than misreading it`,
      );
    }
    this.#events.push({ kind: 'header', magic: this.#magic, version: this.#version });
  }

  /**
   * Walks one value to its end (the grammar of rdbLoadObject), without decoding what it only passes over, and
   * says whether it is an empty collection. Only what Redis's loader also refuses is an error here: an empty
   * intset or zipmap, a quicklist node of no bytes, a NaN score, an empty stream node.
   */
  *#value(type: number): ValueGrammar {
    if (this.#magic === 'VALKEY' && type === VALKEY_HASH_2) {
      // Valkey 9: a hash with field expiry is field, value, then each field's 8-byte expiry (-1 for none).
      const n = (yield NEED_LEN) as number;
      for (let i = 0; i < n; i++) {
        yield NEED_SKIP_STR;
        yield NEED_SKIP_STR;
        yield this.#skip(8);
      }
      return n === 0;
    }
    switch (type) {
      case TYPE.STRING:
        yield NEED_SKIP_STR;
        return false;
      case TYPE.HASH_ZIPMAP:
      case TYPE.LIST_ZIPLIST:
      case TYPE.SET_INTSET:
      case TYPE.ZSET_ZIPLIST:
      case TYPE.HASH_ZIPLIST:
      case TYPE.HASH_LISTPACK:
      case TYPE.ZSET_LISTPACK:
      case TYPE.SET_LISTPACK:
        return this.#packedEmpty(type, (yield NEED_SMALL_STR) as Buffer | null);
      case TYPE.LIST:
      case TYPE.SET: {
        const n = (yield NEED_LEN) as number;
        for (let i = 0; i < n; i++) if (this.#now(NEED_SKIP_STR) === MORE) yield NEED_SKIP_STR;
        return n === 0;
      }
      case TYPE.LIST_QUICKLIST:
      case TYPE.LIST_QUICKLIST_2: {
        // Redis drops empty nodes as it loads, and the key when no node is left.
        const n = (yield NEED_LEN) as number;
        let empty = true;
        for (let i = 0; i < n; i++) {
          const container = type === TYPE.LIST_QUICKLIST ? 2 : ((yield NEED_LEN) as number);
          if (container !== 1 && container !== 2)
            throw new RdbFormatError(`invalid quicklist container ${container}`);
          const node = (yield NEED_SMALL_STR) as Buffer | null;
          if (node !== null && node.length === 0) {
            throw new RdbFormatError('a list node of no bytes, which Redis refuses to load');
          }
          if (container === 1 || !this.#packedEmpty(type, node)) empty = false;
        }
        return empty;
      }
      case TYPE.ZSET: {
        const n = (yield NEED_LEN) as number;
        for (let i = 0; i < n; i++) {
          yield NEED_SKIP_STR;
          const size = (yield NEED_BYTE) as number;
          if (size === 253)
            throw new RdbFormatError('a sorted set score is NaN, which Redis refuses to load');
          if (size < 253) yield this.#skip(size);
        }
        return n === 0;
      }
      case TYPE.HASH: {
        const n = (yield NEED_LEN) as number;
        for (let i = 0; i < 2 * n; i++) if (this.#now(NEED_SKIP_STR) === MORE) yield NEED_SKIP_STR;
        return n === 0;
      }
      case TYPE.ZSET_2: {
        const n = (yield NEED_LEN) as number;
        for (let i = 0; i < n; i++) {
          yield NEED_SKIP_STR;
          const score = (yield this.#bytes(8)) as Buffer;
          if (Number.isNaN(score.readDoubleLE(0))) {
            throw new RdbFormatError('a sorted set score is NaN, which Redis refuses to load');
          }
        }
        return n === 0;
      }
      case TYPE.MODULE_2:
        yield NEED_SKIP_LEN;
        yield* this.#moduleValue();
        return false;
      case TYPE.STREAM_LISTPACKS:
      case TYPE.STREAM_LISTPACKS_2:
      case TYPE.STREAM_LISTPACKS_3:
        // A stream without entries is a stream still (it may have groups): Redis loads it.
        yield* this.#stream(type);
        return false;
      case TYPE.HASH_METADATA:
      case TYPE.HASH_METADATA_PRE_GA: {
        // 7.4 GA adds the smallest field expiry in front; each field then has its expiry, name and value.
        if (type === TYPE.HASH_METADATA) yield this.#skip(8);
        const n = (yield NEED_LEN) as number;
        for (let i = 0; i < n; i++) {
          yield NEED_SKIP_LEN;
          yield NEED_SKIP_STR;
          yield NEED_SKIP_STR;
        }
        return n === 0;
      }
      case TYPE.HASH_LISTPACK_EX:
      case TYPE.HASH_LISTPACK_EX_PRE_GA:
        if (type === TYPE.HASH_LISTPACK_EX) yield this.#skip(8);
        return this.#packedEmpty(type, (yield NEED_SMALL_STR) as Buffer | null);
      default:
        throw new RdbFormatError(`value type ${type} is not supported`);
    }
  }

  /** Whether a packed value (null: too large to be empty) holds nothing; throws where Redis refuses the file. */
  #packedEmpty(type: number, blob: Buffer | null): boolean {
    if (blob === null || !packedIsEmpty(type, blob)) return false;
    if (type === TYPE.SET_INTSET || type === TYPE.HASH_ZIPMAP) {
      throw new RdbFormatError(
        `an empty ${type === TYPE.SET_INTSET ? 'intset' : 'zipmap'} at byte ${this.offset}, which Redis refuses to load`,
      );
    }
    return true;
  }

  *#stream(type: number): Grammar {
    const nodes = (yield NEED_LEN) as number;
    for (let i = 0; i < nodes; i++) {
      yield NEED_SKIP_STR; // the node's master id
      const node = (yield NEED_SMALL_STR) as Buffer | null;
      if (node !== null && packedIsEmpty(TYPE.STREAM_LISTPACKS, node)) {
        throw new RdbFormatError('an empty listpack inside a stream, which Redis refuses to load');
      }
    }
    for (let i = 0; i < 3; i++) yield NEED_SKIP_LEN; // length, last id
    if (type >= TYPE.STREAM_LISTPACKS_2) for (let i = 0; i < 5; i++) yield NEED_SKIP_LEN; // first id, max deleted, added
    const groups = (yield NEED_LEN) as number;
    for (let g = 0; g < groups; g++) {
      yield NEED_SKIP_STR;
      yield NEED_SKIP_LEN;
      yield NEED_SKIP_LEN;
      if (type >= TYPE.STREAM_LISTPACKS_2) yield NEED_SKIP_LEN;
      const pending = (yield NEED_LEN) as number;
      for (let p = 0; p < pending; p++) {
        yield this.#skip(16 + 8);
        yield NEED_SKIP_LEN;
      }
      const consumers = (yield NEED_LEN) as number;
      for (let c = 0; c < consumers; c++) {
        yield NEED_SKIP_STR;
        yield this.#skip(type >= TYPE.STREAM_LISTPACKS_3 ? 16 : 8);
        const owned = (yield NEED_LEN) as number;
        if (owned > 0) yield this.#skip(16 * owned);
      }
    }
  }

  /** A module's serialized value: typed fields until the EOF opcode, so it can be passed over without the module. */
  *#moduleValue(): Grammar {
    for (;;) {
      const opcode = (yield NEED_LEN) as number;
      switch (opcode) {
        case 0:
          return;
        case 1:
        case 2:
          yield NEED_SKIP_LEN;
          break;
        case 3:
          yield this.#skip(4);
          break;
        case 4:
          yield this.#skip(8);
          break;
        case 5:
          yield NEED_SKIP_STR;
          break;
        default:
          throw new RdbFormatError(`invalid module value opcode ${opcode}`);
      }
    }
  }
}

/**
 * Reads an RDB stream and yields its events a chunk's worth at a time: the source is only read as fast as the
 * consumer takes the batches, so memory stays bounded by one chunk and one value.
 */
export async function* readRdb(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: RdbParserOptions = {},
): AsyncGenerator<RdbEvent[]> {
  const parser = new RdbParser(options);
  for await (const chunk of source) {
    const events = parser.push(chunk);
    if (events.length > 0) yield events;
  }
  const last = parser.finish();
  if (last.length > 0) yield last;
}
