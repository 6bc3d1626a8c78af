/**
 * LZF decompression as Redis uses it for strings in RDB files (lzf_d.c): literal runs and back-references.
 * Throws on input that does not decode to exactly `length` bytes, so a corrupt value never passes as data.
 */
export function lzfDecompress(input: Buffer, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      // A literal run of ctrl + 1 bytes.
      const run = ctrl + 1;
      if (op + run > length || ip + run > input.length) throw new Error('corrupt LZF data (literal run)');
      input.copy(out, op, ip, ip + run);
      ip += run;
      op += run;
    } else {
      // A back-reference: length in the top 3 bits (7 means one more length byte), offset in the rest.
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= input.length) throw new Error('corrupt LZF data (length)');
        len += input[ip++]!;
      }
      if (ip >= input.length) throw new Error('corrupt LZF data (offset)');
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]!;
      len += 2;
      if (ref < 0 || op + len > length) throw new Error('corrupt LZF data (reference)');
      // Byte by byte: the reference may overlap the bytes being written.
      for (let i = 0; i < len; i++) out[op++] = out[ref + i]!;
    }
  }
  if (op !== length) throw new Error(`corrupt LZF data: ${op} bytes decoded, ${length} expected`);
  return out;
}
