/** The data is not an RDB file this reader can read: never a partial or wrong reading. */
export class RdbFormatError extends Error {
  override name = 'RdbFormatError';
}

/**
 * Bytes taken by the RDB length field whose first byte is `first` (6-bit, 14-bit big-endian, 32-bit or 64-bit);
 * 0 when the byte starts an integer- or LZF-encoded string, or is invalid.
 */
export function lengthFieldSize(first: number): number {
  const kind = first >> 6;
  if (kind === 0) return 1;
  if (kind === 1) return 2;
  if (first === 0x80) return 5;
  if (first === 0x81) return 9;
  return 0;
}

/** The length field's value; a bigint only for the 64-bit form, which may not fit a number. */
export function lengthFieldValue(buf: Buffer, pos: number, size: number): number | bigint {
  const first = buf[pos]!;
  if (size === 1) return first & 0x3f;
  if (size === 2) return ((first & 0x3f) << 8) | buf[pos + 1]!;
  if (size === 5) return buf.readUInt32BE(pos + 1);
  return buf.readBigUInt64BE(pos + 1);
}

export function safeNumber(value: bigint | number): number {
  if (typeof value === 'number') return value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RdbFormatError('a length or time in the file is beyond what can be represented');
  }
  return Number(value);
}
