import { lzfDecompress } from './lzf.ts';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap } from './packed-encodings.ts';
import { lengthFieldSize, lengthFieldValue, RdbFormatError, safeNumber } from './rdb-length.ts';
import { type RdbMagic, TYPE, VALKEY_HASH_2 } from './rdb-types.ts';

export interface HashField {
  field: Buffer;
  value: Buffer;
  /** Absolute field expiry in unix ms (Redis 7.4+ and Valkey 9 hash field TTL), or null. */
  expireAtMs: number | null;
}

export interface StreamEntry {
  id: string;
  /** Field, value, field, value… */
  fields: Buffer[];
}

export interface StreamGroup {
  name: Buffer;
  lastId: string;
  entriesRead: number | null;
  pending: { id: string; deliveryTimeMs: number; deliveryCount: number }[];
  consumers: { name: Buffer; seenTimeMs: number; activeTimeMs: number | null; pending: string[] }[];
}

export interface StreamValue {
  entries: StreamEntry[];
  length: number;
  lastId: string;
  firstId: string | null;
  maxDeletedId: string | null;
  entriesAdded: number | null;
  groups: StreamGroup[];
}

/** A value as its content, whatever the encoding the file used for it. */
export type LogicalValue =
  | { kind: 'string'; value: Buffer }
  | { kind: 'list'; items: Buffer[] }
  | { kind: 'set'; members: Buffer[] }
  | { kind: 'zset'; entries: { member: Buffer; score: number }[] }
  | { kind: 'hash'; fields: HashField[] }
  | { kind: 'stream'; stream: StreamValue }
  | { kind: 'module'; moduleName: string; encodingVersion: number; serializedBytes: number };

/** Reads RDB primitives from a value held whole in memory. */
class Cursor {
  pos = 0;
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  #need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RdbFormatError('value ends before its content does');
  }

  byte(): number {
    this.#need(1);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    this.#need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A length; `encoding` is set instead when the prefix marks an integer- or LZF-encoded string. */
  lengthOrEncoding(): { length: bigint | number; encoding: number | null } {
    this.#need(1);
    const first = this.buf[this.pos]!;
    if (first >> 6 === 3) {
      this.pos += 1;
      return { length: 0, encoding: first & 0x3f };
    }
    const size = lengthFieldSize(first);
    if (size === 0) throw new RdbFormatError(`invalid length encoding 0x${first.toString(16)}`);
    this.#need(size);
    const length = lengthFieldValue(this.buf, this.pos, size);
    this.pos += size;
    return { length, encoding: null };
  }

  /** A length that may use all 64 bits (ids, times). */
  bigLength(): bigint {
    const { length, encoding } = this.lengthOrEncoding();
    if (encoding !== null) throw new RdbFormatError('an encoded string where a length belongs');
    return BigInt(length);
  }

  length(): number {
    return safeNumber(this.bigLength());
  }

  string(): Buffer {
    const { length, encoding } = this.lengthOrEncoding();
    switch (encoding) {
      case null:
        return this.bytes(safeNumber(length));
      case 0:
        return Buffer.from(String(this.bytes(1).readInt8(0)));
      case 1:
        return Buffer.from(String(this.bytes(2).readInt16LE(0)));
      case 2:
        return Buffer.from(String(this.bytes(4).readInt32LE(0)));
      case 3: {
        const compressed = this.length();
        const size = this.length();
        return lzfDecompress(this.bytes(compressed), size);
      }
      default:
        throw new RdbFormatError(`invalid string encoding ${encoding}`);
    }
  }

  int64LE(): number {
    return Number(this.bytes(8).readBigInt64LE(0));
  }

  /** A 128-bit stream id stored as two big-endian 64-bit halves. */
  streamId(): string {
    const raw = this.bytes(16);
    return `${raw.readBigUInt64BE(0)}-${raw.readBigUInt64BE(8)}`;
  }
}

const MODULE_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A module type id: nine 6-bit characters of name, then a 10-bit encoding version (moduleTypeNameByID). */
export function moduleNameOf(id: bigint): { name: string; encodingVersion: number } {
  let name = '';
  for (let i = 0; i < 9; i++) name += MODULE_CHARSET[Number((id >> BigInt(10 + (8 - i) * 6)) & 63n)];
  return { name, encodingVersion: Number(id & 1023n) };
}

function parseScore(text: Buffer): number {
  const s = text.toString('latin1');
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  const value = Number(s);
  if (Number.isNaN(value)) throw new RdbFormatError(`invalid sorted-set score "${s}"`);
  return value;
}

function pairs<T>(items: Buffer[], make: (a: Buffer, b: Buffer) => T): T[] {
  if (items.length % 2 !== 0) throw new RdbFormatError('an odd number of elements where pairs belong');
  const out: T[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(make(items[i]!, items[i + 1]!));
  return out;
}

/** What a Valkey 9 hash stores as the expiry of a field that has none (EXPIRY_NONE). */
const VALKEY_NO_EXPIRY = -1;

/**
 * Decodes a value's bytes (as RdbKeyRecord.value holds them) into its content. Throws RdbFormatError (or a
 * PackedEncodingError) on anything malformed, and when the bytes hold more than the value. The file's magic
 * matters from type 22 on, where Valkey's codes and Redis's differ.
 */
export function decodeValue(type: number, raw: Buffer, magic: RdbMagic = 'REDIS'): LogicalValue {
  const c = new Cursor(raw);
  const value = magic === 'VALKEY' && type === VALKEY_HASH_2 ? decodeValkeyHash2(c) : decodeWith(type, c);
  if (c.pos !== raw.length) throw new RdbFormatError('bytes remain after the value');
  return value;
}

function decodeWith(type: number, c: Cursor): LogicalValue {
  switch (type) {
    case TYPE.STRING:
      return { kind: 'string', value: c.string() };
    case TYPE.LIST:
      return { kind: 'list', items: Array.from({ length: c.length() }, () => c.string()) };
    case TYPE.LIST_ZIPLIST:
      return { kind: 'list', items: decodeZiplist(c.string()) };
    case TYPE.LIST_QUICKLIST: {
      const nodes = c.length();
      const items: Buffer[] = [];
      for (let i = 0; i < nodes; i++) items.push(...decodeZiplist(c.string()));
      return { kind: 'list', items };
    }
    case TYPE.LIST_QUICKLIST_2: {
      const nodes = c.length();
      const items: Buffer[] = [];
      for (let i = 0; i < nodes; i++) {
        const container = c.length();
        const blob = c.string();
        if (container === 1) items.push(blob);
        else items.push(...decodeListpack(blob));
      }
      return { kind: 'list', items };
    }
    case TYPE.SET:
      return { kind: 'set', members: Array.from({ length: c.length() }, () => c.string()) };
    case TYPE.SET_INTSET:
      return { kind: 'set', members: decodeIntset(c.string()) };
    case TYPE.SET_LISTPACK:
      return { kind: 'set', members: decodeListpack(c.string()) };
    case TYPE.ZSET: {
      const n = c.length();
      const entries = [];
      for (let i = 0; i < n; i++) {
        const member = c.string();
        const size = c.byte();
        const score =
          size === 253 ? NaN : size === 254 ? Infinity : size === 255 ? -Infinity : parseScore(c.bytes(size));
        entries.push({ member, score });
      }
      return { kind: 'zset', entries };
    }
    case TYPE.ZSET_2: {
      const n = c.length();
      const entries = [];
      for (let i = 0; i < n; i++) entries.push({ member: c.string(), score: c.bytes(8).readDoubleLE(0) });
      return { kind: 'zset', entries };
    }
    case TYPE.ZSET_ZIPLIST:
    case TYPE.ZSET_LISTPACK: {
      const blob = c.string();
      const items = type === TYPE.ZSET_ZIPLIST ? decodeZiplist(blob) : decodeListpack(blob);
      return {
        kind: 'zset',
        entries: pairs(items, (member, score) => ({ member, score: parseScore(score) })),
      };
    }
    case TYPE.HASH: {
      const n = c.length();
      const fields: HashField[] = [];
      for (let i = 0; i < n; i++) fields.push({ field: c.string(), value: c.string(), expireAtMs: null });
      return { kind: 'hash', fields };
    }
    case TYPE.HASH_ZIPMAP:
    case TYPE.HASH_ZIPLIST:
    case TYPE.HASH_LISTPACK: {
      const blob = c.string();
      const items =
        type === TYPE.HASH_ZIPMAP
          ? decodeZipmap(blob)
          : type === TYPE.HASH_ZIPLIST
            ? decodeZiplist(blob)
            : decodeListpack(blob);
      return { kind: 'hash', fields: pairs(items, (field, value) => ({ field, value, expireAtMs: null })) };
    }
    case TYPE.HASH_METADATA: {
      const minExpire = c.int64LE();
      const n = c.length();
      const fields: HashField[] = [];
      for (let i = 0; i < n; i++) {
        const ttl = c.length();
        fields.push({
          field: c.string(),
          value: c.string(),
          expireAtMs: ttl === 0 ? null : minExpire + ttl - 1,
        });
      }
      return { kind: 'hash', fields };
    }
    case TYPE.HASH_METADATA_PRE_GA: {
      const n = c.length();
      const fields: HashField[] = [];
      for (let i = 0; i < n; i++) {
        const expireAt = c.length();
        fields.push({ field: c.string(), value: c.string(), expireAtMs: expireAt === 0 ? null : expireAt });
      }
      return { kind: 'hash', fields };
    }
    case TYPE.HASH_LISTPACK_EX:
    case TYPE.HASH_LISTPACK_EX_PRE_GA: {
      // The smallest field expiry (7.4 GA only) can be derived from the fields themselves.
      if (type === TYPE.HASH_LISTPACK_EX) c.int64LE();
      const items = decodeListpack(c.string());
      if (items.length % 3 !== 0)
        throw new RdbFormatError('hash listpack with field expiry is not made of triplets');
      const fields: HashField[] = [];
      for (let i = 0; i < items.length; i += 3) {
        const ttl = Number(items[i + 2]!.toString('latin1'));
        fields.push({ field: items[i]!, value: items[i + 1]!, expireAtMs: ttl === 0 ? null : ttl });
      }
      return { kind: 'hash', fields };
    }
    case TYPE.STREAM_LISTPACKS:
    case TYPE.STREAM_LISTPACKS_2:
    case TYPE.STREAM_LISTPACKS_3:
      return { kind: 'stream', stream: decodeStream(type, c) };
    case TYPE.MODULE_2: {
      const start = c.pos;
      const moduleId = c.bigLength();
      skipModuleValue(c);
      return { kind: 'module', ...moduleNameOfKind(moduleId), serializedBytes: c.pos - start };
    }
    default:
      throw new RdbFormatError(`value type ${type} is not supported`);
  }
}

/** Valkey 9's hash with field expiry: n × (field, value, 8-byte LE expiry in unix ms, -1 for none). */
function decodeValkeyHash2(c: Cursor): LogicalValue {
  const n = c.length();
  const fields: HashField[] = [];
  for (let i = 0; i < n; i++) {
    const field = c.string();
    const value = c.string();
    const expireAt = c.int64LE();
    fields.push({ field, value, expireAtMs: expireAt === VALKEY_NO_EXPIRY ? null : expireAt });
  }
  return { kind: 'hash', fields };
}

function moduleNameOfKind(moduleId: bigint) {
  const { name, encodingVersion } = moduleNameOf(moduleId);
  return { moduleName: name, encodingVersion };
}

function skipModuleValue(c: Cursor): void {
  for (;;) {
    const opcode = c.length();
    if (opcode === 0) return;
    if (opcode === 1 || opcode === 2) c.bigLength();
    else if (opcode === 3) c.bytes(4);
    else if (opcode === 4) c.bytes(8);
    else if (opcode === 5) c.string();
    else throw new RdbFormatError(`invalid module value opcode ${opcode}`);
  }
}

const UNKNOWN_COUNT = (1n << 64n) - 1n;

function knownCount(value: bigint): number | null {
  return value === UNKNOWN_COUNT ? null : safeNumber(value);
}

const STREAM_ITEM_DELETED = 1;
const STREAM_ITEM_SAMEFIELDS = 2;

function decodeStream(type: number, c: Cursor): StreamValue {
  const entries: StreamEntry[] = [];
  const nodes = c.length();
  for (let n = 0; n < nodes; n++) {
    const master = c.string();
    if (master.length !== 16) throw new RdbFormatError('stream node id is not 16 bytes');
    const baseMs = master.readBigUInt64BE(0);
    const baseSeq = master.readBigUInt64BE(8);
    const e = decodeListpack(c.string());
    const int = (i: number) => {
      const item = e[i];
      if (item === undefined) throw new RdbFormatError('stream listpack ends early');
      return BigInt(item.toString('latin1'));
    };
    const masterFields = Number(int(2));
    const fieldNames = e.slice(3, 3 + masterFields);
    let i = 3 + masterFields + 1; // after the master entry's terminating 0
    while (i < e.length) {
      const flags = Number(int(i));
      const id = `${baseMs + int(i + 1)}-${baseSeq + int(i + 2)}`;
      let fields: Buffer[];
      if (flags & STREAM_ITEM_SAMEFIELDS) {
        const values = e.slice(i + 3, i + 3 + masterFields);
        fields = fieldNames.flatMap((name, k) => [name, values[k]!]);
        i += 3 + masterFields;
      } else {
        const count = Number(int(i + 3));
        fields = e.slice(i + 4, i + 4 + 2 * count);
        i += 4 + 2 * count;
      }
      i += 1; // the entry's element count, kept for walking backwards
      if (!(flags & STREAM_ITEM_DELETED)) entries.push({ id, fields });
    }
  }
  const length = c.length();
  const lastId = `${c.bigLength()}-${c.bigLength()}`;
  let firstId: string | null = null;
  let maxDeletedId: string | null = null;
  let entriesAdded: number | null = null;
  if (type >= TYPE.STREAM_LISTPACKS_2) {
    firstId = `${c.bigLength()}-${c.bigLength()}`;
    maxDeletedId = `${c.bigLength()}-${c.bigLength()}`;
    entriesAdded = c.length();
  }
  const groups: StreamGroup[] = [];
  const groupCount = c.length();
  for (let g = 0; g < groupCount; g++) {
    const name = c.string();
    const groupLastId = `${c.bigLength()}-${c.bigLength()}`;
    // Redis stores an unknown entries-read counter as -1 in an unsigned field: kept as null.
    const entriesRead = type >= TYPE.STREAM_LISTPACKS_2 ? knownCount(c.bigLength()) : null;
    const pending = Array.from({ length: c.length() }, () => ({
      id: c.streamId(),
      deliveryTimeMs: c.int64LE(),
      deliveryCount: c.length(),
    }));
    const consumers = Array.from({ length: c.length() }, () => ({
      name: c.string(),
      seenTimeMs: c.int64LE(),
      activeTimeMs: type >= TYPE.STREAM_LISTPACKS_3 ? c.int64LE() : null,
      pending: Array.from({ length: c.length() }, () => c.streamId()),
    }));
    groups.push({ name, lastId: groupLastId, entriesRead, pending, consumers });
  }
  return { entries, length, lastId, firstId, maxDeletedId, entriesAdded, groups };
}
