/** Opcodes that introduce something other than a key (src/rdb.h). */
export const OP = {
  /** Valkey 9 only (VALKEY magic): a slot import in progress, written by cluster nodes. Redis 8.6 uses 243 otherwise. */
  VALKEY_SLOT_IMPORT: 0xf3,
  SLOT_INFO: 0xf4,
  FUNCTION2: 0xf5,
  FUNCTION_PRE_GA: 0xf6,
  MODULE_AUX: 0xf7,
  IDLE: 0xf8,
  FREQ: 0xf9,
  AUX: 0xfa,
  RESIZEDB: 0xfb,
  EXPIRETIME_MS: 0xfc,
  EXPIRETIME: 0xfd,
  SELECTDB: 0xfe,
  EOF: 0xff,
} as const;

/** Value type codes as Redis writes them (Valkey 9's own codes from 22 on are told apart by the header). */
export const TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
  /** Redis 7.4 release candidates wrote hashes with field expiry under 22 and 23; 7.4+ still loads them. */
  HASH_METADATA_PRE_GA: 22,
  HASH_LISTPACK_EX_PRE_GA: 23,
  HASH_METADATA: 24,
  HASH_LISTPACK_EX: 25,
} as const;

/** Valkey 9 (magic VALKEY, version 80) uses 22 for hashes with field expiry. */
export const VALKEY_HASH_2 = 22;
/** From this code on, a VALKEY file's type codes are Valkey's own (rdb.h RDB_FOREIGN_TYPE_MIN). */
const VALKEY_OWN_TYPES_FROM = 22;

/** The logical kind each type code stores. */
export type ValueKind = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' | 'module';

interface TypeInfo {
  name: string;
  kind: ValueKind;
  /** The oldest RDB version whose loader knows the code: a DUMP payload can be relabelled down to it. */
  minRdbVersion: number;
}

const REDIS_TYPES: Record<number, TypeInfo> = {
  0: { name: 'string', kind: 'string', minRdbVersion: 1 },
  1: { name: 'list', kind: 'list', minRdbVersion: 1 },
  2: { name: 'set', kind: 'set', minRdbVersion: 1 },
  3: { name: 'zset', kind: 'zset', minRdbVersion: 1 },
  4: { name: 'hash', kind: 'hash', minRdbVersion: 1 },
  5: { name: 'zset-2', kind: 'zset', minRdbVersion: 8 },
  7: { name: 'module-2', kind: 'module', minRdbVersion: 8 },
  9: { name: 'hash-zipmap', kind: 'hash', minRdbVersion: 2 },
  10: { name: 'list-ziplist', kind: 'list', minRdbVersion: 4 },
  11: { name: 'set-intset', kind: 'set', minRdbVersion: 2 },
  12: { name: 'zset-ziplist', kind: 'zset', minRdbVersion: 2 },
  13: { name: 'hash-ziplist', kind: 'hash', minRdbVersion: 4 },
  14: { name: 'list-quicklist', kind: 'list', minRdbVersion: 7 },
  15: { name: 'stream-listpacks', kind: 'stream', minRdbVersion: 9 },
  16: { name: 'hash-listpack', kind: 'hash', minRdbVersion: 10 },
  17: { name: 'zset-listpack', kind: 'zset', minRdbVersion: 10 },
  18: { name: 'list-quicklist-2', kind: 'list', minRdbVersion: 10 },
  19: { name: 'stream-listpacks-2', kind: 'stream', minRdbVersion: 10 },
  20: { name: 'set-listpack', kind: 'set', minRdbVersion: 11 },
  21: { name: 'stream-listpacks-3', kind: 'stream', minRdbVersion: 11 },
  22: { name: 'hash-metadata-pre-ga', kind: 'hash', minRdbVersion: 12 },
  23: { name: 'hash-listpack-ex-pre-ga', kind: 'hash', minRdbVersion: 12 },
  24: { name: 'hash-metadata', kind: 'hash', minRdbVersion: 12 },
  25: { name: 'hash-listpack-ex', kind: 'hash', minRdbVersion: 12 },
};

/** Valkey's own codes (VALKEY magic): 22 holds hashes with at least one field expiry (RDB 80, Valkey 9.0). */
const VALKEY_TYPES: Record<number, TypeInfo> = {
  22: { name: 'hash-2', kind: 'hash', minRdbVersion: 80 },
};

export type RdbMagic = 'REDIS' | 'VALKEY';

/** The newest Redis RDB version this reader understands (Redis 7.4 to 8.4 write 12). */
export const MAX_REDIS_RDB_VERSION = 12;
/**
 * Valkey 9.0 writes VALKEY080. Raising this means reading a newer Valkey format: raise the replica version the
 * service announces (ANNOUNCED_REPLICA_VERSION) with it, so sources send that format.
 */
export const MAX_VALKEY_RDB_VERSION = 80;

export function typeInfo(magic: RdbMagic, type: number): TypeInfo | undefined {
  // Valkey 9 gives 22 and up meanings of its own: the same number is a different type in a REDIS file.
  if (magic === 'VALKEY' && type >= VALKEY_OWN_TYPES_FROM) return VALKEY_TYPES[type];
  return REDIS_TYPES[type];
}

/** Whether a type code is one only Valkey's own RDB versions (80 on) know, not a Redis one. */
export function isValkeyOwnType(magic: RdbMagic, type: number): boolean {
  return magic === 'VALKEY' && type >= VALKEY_OWN_TYPES_FROM;
}

/** The name a type code goes by in reports ("set-listpack"), or "type-N" for codes the reader does not know. */
export function typeName(magic: RdbMagic, type: number): string {
  return typeInfo(magic, type)?.name ?? `type-${type}`;
}
