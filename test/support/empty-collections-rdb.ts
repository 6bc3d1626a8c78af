import { TYPE } from '../../src/engine/rdb/rdb-types.ts';
import { makeRdb } from './rdb-bytes.ts';

/** An RDB length (6-, 14- or 32-bit form). */
export function rdbLength(n: number): Buffer {
  if (n < 1 << 6) return Buffer.from([n]);
  if (n < 1 << 14) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = 0x80;
  out.writeUInt32BE(n, 1);
  return out;
}

/** An RDB string, length-prefixed and not compressed. */
export function rdbString(bytes: Buffer | string): Buffer {
  const raw = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return Buffer.concat([rdbLength(raw.length), raw]);
}

/** One key: type byte, key, value bytes as the file holds them. */
export function keyEntry(type: number, key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), rdbString(key), value]);
}

export function stringKey(key: string, value: string): Buffer {
  return keyEntry(TYPE.STRING, key, rdbString(value));
}

/** A listpack with no element: total bytes, count 0, end marker. */
export function emptyListpack(): Buffer {
  const lp = Buffer.from([7, 0, 0, 0, 0, 0, 0xff]);
  return lp;
}

/** A ziplist with no element: total bytes, tail offset, count 0, end marker. */
export function emptyZiplist(): Buffer {
  const zl = Buffer.alloc(11);
  zl.writeUInt32LE(11, 0);
  zl.writeUInt32LE(10, 4);
  zl.writeUInt16LE(0, 8);
  zl[10] = 0xff;
  return zl;
}

/** An intset of 16-bit integers with no element. */
export function emptyIntset(): Buffer {
  const is = Buffer.alloc(8);
  is.writeUInt32LE(2, 0);
  return is;
}

/**
 * The nine empty collections of Redis's own test file of empty keys (corrupt_empty_keys.rdb), built here:
 * Redis loads that file by skipping every one of them.
 */
export function emptyCollectionKeys(): Buffer[] {
  return [
    keyEntry(TYPE.SET, 'set', rdbLength(0)),
    keyEntry(TYPE.HASH, 'hash', rdbLength(0)),
    keyEntry(TYPE.LIST_ZIPLIST, 'list_ziplist', rdbString(emptyZiplist())),
    keyEntry(TYPE.ZSET_2, 'zset', rdbLength(0)),
    keyEntry(TYPE.ZSET_LISTPACK, 'zset_listpack', rdbString(emptyListpack())),
    keyEntry(TYPE.HASH_LISTPACK, 'hash_ziplist', rdbString(emptyListpack())),
    keyEntry(TYPE.LIST_QUICKLIST, 'list_quicklist', rdbLength(0)),
    keyEntry(TYPE.ZSET_ZIPLIST, 'zset_ziplist', rdbString(emptyZiplist())),
    keyEntry(
      TYPE.LIST_QUICKLIST,
      'list_quicklist_empty_ziplist',
      Buffer.concat([rdbLength(1), rdbString(emptyZiplist())]),
    ),
  ];
}

/** Empty collections of the encodings Redis 7 writes (not in Redis's file, skipped the same way). */
export function moreEmptyCollectionKeys(): Buffer[] {
  return [
    keyEntry(TYPE.SET_LISTPACK, 'set_listpack', rdbString(emptyListpack())),
    keyEntry(
      TYPE.LIST_QUICKLIST_2,
      'list_quicklist_2',
      Buffer.concat([rdbLength(1), rdbLength(2), rdbString(emptyListpack())]),
    ),
    keyEntry(TYPE.LIST, 'list', rdbLength(0)),
  ];
}

/** A file of RDB version 10 (Redis 7.0) whose database 0 holds the given keys. */
export function rdbWithKeys(keys: Buffer[], version = '0010'): Buffer {
  return makeRdb(Buffer.concat([Buffer.from([0xfe, 0]), ...keys]), version);
}
