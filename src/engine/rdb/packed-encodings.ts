/**
 * Decoders for the compact encodings Redis stores inside a single RDB string: listpack (7.0+), ziplist (up to
 * 6.2), intset and zipmap (up to 2.4). Each returns the elements as Buffers (integers as their decimal text,
 * as Redis would return them) and throws on anything malformed.
 */

export class PackedEncodingError extends Error {
  override name = 'PackedEncodingError';
}

function need(blob: Buffer, end: number, what: string): void {
  if (end > blob.length) throw new PackedEncodingError(`truncated ${what}`);
}

const decimal = (value: number | bigint) => Buffer.from(String(value));

/** listpack: <total bytes u32> <count u16> entries… 0xFF; each entry is encoding+data then a back-length. */
export function decodeListpack(blob: Buffer): Buffer[] {
  need(blob, 7, 'listpack header');
  if (blob.readUInt32LE(0) !== blob.length)
    throw new PackedEncodingError('listpack size does not match its header');
  const out: Buffer[] = [];
  let p = 6;
  for (;;) {
    need(blob, p + 1, 'listpack entry');
    const b = blob[p]!;
    if (b === 0xff) break;
    let entryLength: number;
    if ((b & 0x80) === 0) {
      out.push(decimal(b & 0x7f));
      entryLength = 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      need(blob, p + 1 + len, 'listpack string');
      out.push(blob.subarray(p + 1, p + 1 + len));
      entryLength = 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      need(blob, p + 2, 'listpack integer');
      let v = ((b & 0x1f) << 8) | blob[p + 1]!;
      if (v >= 1 << 12) v -= 1 << 13;
      out.push(decimal(v));
      entryLength = 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(blob, p + 2, 'listpack string');
      const len = ((b & 0x0f) << 8) | blob[p + 1]!;
      need(blob, p + 2 + len, 'listpack string');
      out.push(blob.subarray(p + 2, p + 2 + len));
      entryLength = 2 + len;
    } else if (b === 0xf0) {
      need(blob, p + 5, 'listpack string');
      const len = blob.readUInt32LE(p + 1);
      need(blob, p + 5 + len, 'listpack string');
      out.push(blob.subarray(p + 5, p + 5 + len));
      entryLength = 5 + len;
    } else if (b === 0xf1) {
      need(blob, p + 3, 'listpack integer');
      out.push(decimal(blob.readInt16LE(p + 1)));
      entryLength = 3;
    } else if (b === 0xf2) {
      need(blob, p + 4, 'listpack integer');
      out.push(decimal(blob.readIntLE(p + 1, 3)));
      entryLength = 4;
    } else if (b === 0xf3) {
      need(blob, p + 5, 'listpack integer');
      out.push(decimal(blob.readInt32LE(p + 1)));
      entryLength = 5;
    } else if (b === 0xf4) {
      need(blob, p + 9, 'listpack integer');
      out.push(decimal(blob.readBigInt64LE(p + 1)));
      entryLength = 9;
    } else {
      throw new PackedEncodingError(`invalid listpack encoding 0x${b.toString(16)}`);
    }
    // The back-length takes one byte per 7 bits of the entry's length.
    const backLength =
      entryLength < 128
        ? 1
        : entryLength < 16384
          ? 2
          : entryLength < 2097152
            ? 3
            : entryLength < 268435456
              ? 4
              : 5;
    p += entryLength + backLength;
  }
  if (p !== blob.length - 1) throw new PackedEncodingError('listpack has bytes after its end marker');
  const count = blob.readUInt16LE(4);
  if (count !== 0xffff && count !== out.length)
    throw new PackedEncodingError('listpack count does not match its entries');
  return out;
}

/** ziplist: <bytes u32> <tail u32> <count u16> entries… 0xFF; each entry is prevlen, encoding, data. */
export function decodeZiplist(blob: Buffer): Buffer[] {
  need(blob, 11, 'ziplist header');
  if (blob.readUInt32LE(0) !== blob.length)
    throw new PackedEncodingError('ziplist size does not match its header');
  const out: Buffer[] = [];
  let p = 10;
  for (;;) {
    need(blob, p + 1, 'ziplist entry');
    if (blob[p] === 0xff) break;
    p += blob[p] === 0xfe ? 5 : 1;
    need(blob, p + 1, 'ziplist entry');
    const b = blob[p]!;
    const kind = b >> 6;
    if (kind === 0) {
      const len = b & 0x3f;
      need(blob, p + 1 + len, 'ziplist string');
      out.push(blob.subarray(p + 1, p + 1 + len));
      p += 1 + len;
    } else if (kind === 1) {
      need(blob, p + 2, 'ziplist string');
      const len = ((b & 0x3f) << 8) | blob[p + 1]!;
      need(blob, p + 2 + len, 'ziplist string');
      out.push(blob.subarray(p + 2, p + 2 + len));
      p += 2 + len;
    } else if (kind === 2) {
      need(blob, p + 5, 'ziplist string');
      const len = blob.readUInt32BE(p + 1);
      need(blob, p + 5 + len, 'ziplist string');
      out.push(blob.subarray(p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xc0) {
      need(blob, p + 3, 'ziplist integer');
      out.push(decimal(blob.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xd0) {
      need(blob, p + 5, 'ziplist integer');
      out.push(decimal(blob.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xe0) {
      need(blob, p + 9, 'ziplist integer');
      out.push(decimal(blob.readBigInt64LE(p + 1)));
      p += 9;
    } else if (b === 0xf0) {
      need(blob, p + 4, 'ziplist integer');
      out.push(decimal(blob.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xfe) {
      need(blob, p + 2, 'ziplist integer');
      out.push(decimal(blob.readInt8(p + 1)));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      out.push(decimal((b & 0x0f) - 1));
      p += 1;
    } else {
      throw new PackedEncodingError(`invalid ziplist encoding 0x${b.toString(16)}`);
    }
  }
  if (p !== blob.length - 1) throw new PackedEncodingError('ziplist has bytes after its end marker');
  const count = blob.readUInt16LE(8);
  if (count !== 0xffff && count !== out.length)
    throw new PackedEncodingError('ziplist count does not match its entries');
  return out;
}

/** intset: <encoding u32: 2, 4 or 8> <count u32> sorted little-endian integers. */
export function decodeIntset(blob: Buffer): Buffer[] {
  need(blob, 8, 'intset header');
  const width = blob.readUInt32LE(0);
  const count = blob.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8)
    throw new PackedEncodingError(`invalid intset encoding ${width}`);
  if (blob.length !== 8 + width * count)
    throw new PackedEncodingError('intset size does not match its count');
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    out.push(
      decimal(
        width === 2 ? blob.readInt16LE(at) : width === 4 ? blob.readInt32LE(at) : blob.readBigInt64LE(at),
      ),
    );
  }
  return out;
}

/** zipmap (Redis ≤ 2.4 hashes): <count u8> then (len key len free value [free bytes])… 0xFF. */
export function decodeZipmap(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 1;
  const length = (): number => {
    need(blob, p + 1, 'zipmap length');
    const b = blob[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      need(blob, p + 5, 'zipmap length');
      const value = blob.readUInt32LE(p + 1);
      p += 5;
      return value;
    }
    throw new PackedEncodingError('invalid zipmap length');
  };
  for (;;) {
    need(blob, p + 1, 'zipmap entry');
    if (blob[p] === 0xff) break;
    const keyLength = length();
    need(blob, p + keyLength, 'zipmap key');
    out.push(blob.subarray(p, p + keyLength));
    p += keyLength;
    const valueLength = length();
    need(blob, p + 1, 'zipmap value');
    const free = blob[p]!;
    p += 1;
    need(blob, p + valueLength + free, 'zipmap value');
    out.push(blob.subarray(p, p + valueLength));
    p += valueLength + free;
  }
  return out;
}
