import { crc64 } from '../../src/engine/rdb/crc64.ts';

/** A complete RDB: header, the given body, the EOF opcode and its CRC-64 trailer. */
export function makeRdb(body: Buffer = Buffer.alloc(0), version = '0010'): Buffer {
  const withoutCrc = Buffer.concat([Buffer.from(`REDIS${version}`), body, Buffer.from([0xff])]);
  return Buffer.concat([withoutCrc, crc64(withoutCrc).digest()]);
}

/** Deterministic filler bytes that may contain anything, including 0xFF and newlines. */
export function noise(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
