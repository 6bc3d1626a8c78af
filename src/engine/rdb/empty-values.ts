import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap } from './packed-encodings.ts';
import { TYPE } from './rdb-types.ts';

/**
 * A packed value this short or shorter is decoded to see whether it is empty: an empty listpack takes 7 bytes,
 * an empty ziplist 11, an empty intset 8, an empty zipmap 2. Larger ones hold something and are only walked.
 */
export const SMALL_PACKED_BYTES = 32;

/** The encoding inside a value's single packed string (quicklist and stream nodes included). */
function decoderOf(type: number): ((blob: Buffer) => Buffer[]) | null {
  switch (type) {
    case TYPE.LIST_ZIPLIST:
    case TYPE.ZSET_ZIPLIST:
    case TYPE.HASH_ZIPLIST:
    case TYPE.LIST_QUICKLIST:
      return decodeZiplist;
    case TYPE.SET_LISTPACK:
    case TYPE.ZSET_LISTPACK:
    case TYPE.HASH_LISTPACK:
    case TYPE.HASH_LISTPACK_EX:
    case TYPE.HASH_LISTPACK_EX_PRE_GA:
    case TYPE.LIST_QUICKLIST_2:
    case TYPE.STREAM_LISTPACKS:
      return decodeListpack;
    case TYPE.SET_INTSET:
      return decodeIntset;
    case TYPE.HASH_ZIPMAP:
      return decodeZipmap;
    default:
      return null;
  }
}

/**
 * Whether a small packed blob holds no element. A blob that does not decode is not called empty: the walk
 * leaves judging it to a deep read (verify), as it does for every other packed value.
 */
export function packedIsEmpty(type: number, blob: Buffer): boolean {
  if (blob.length > SMALL_PACKED_BYTES) return false;
  const decode = decoderOf(type);
  if (!decode) return false;
  try {
    return decode(blob).length === 0;
  } catch {
    return false;
  }
}
