/**
 * CRC-64/Jones as Redis computes it over RDB files (reflected polynomial 0x95AC9329AC4BC9B5, init 0, no final
 * xor). JavaScript bit operations are 32-bit, so the state is two unsigned halves, and eight 256-entry tables
 * let the update consume eight bytes per step ("slicing by 8"): fast enough to run inline on a backup stream.
 */
const POLY_LO = 0xac4bc9b5;
const POLY_HI = 0x95ac9329;

const TABLES_LO: Uint32Array[] = [];
const TABLES_HI: Uint32Array[] = [];

(function buildTables() {
  const lo0 = new Uint32Array(256);
  const hi0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    lo0[n] = lo;
    hi0[n] = hi;
  }
  TABLES_LO.push(lo0);
  TABLES_HI.push(hi0);
  for (let k = 1; k < 8; k++) {
    const prevLo = TABLES_LO[k - 1]!;
    const prevHi = TABLES_HI[k - 1]!;
    const lo = new Uint32Array(256);
    const hi = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const index = prevLo[n]! & 0xff;
      lo[n] = (((prevLo[n]! >>> 8) | (prevHi[n]! << 24)) ^ lo0[index]!) >>> 0;
      hi[n] = ((prevHi[n]! >>> 8) ^ hi0[index]!) >>> 0;
    }
    TABLES_LO.push(lo);
    TABLES_HI.push(hi);
  }
})();

const [L0, L1, L2, L3, L4, L5, L6, L7] = TABLES_LO as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];
const [H0, H1, H2, H3, H4, H5, H6, H7] = TABLES_HI as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

export class Crc64 {
  #lo = 0;
  #hi = 0;

  update(data: Uint8Array): this {
    let lo = this.#lo;
    let hi = this.#hi;
    let i = 0;
    // Bytes up to a 4-byte boundary one at a time, then eight at a time through a 32-bit view (two loads per
    // step instead of eight), then the tail one at a time. Little-endian views match the byte order wanted.
    const misaligned = (4 - (data.byteOffset % 4)) % 4;
    for (; i < misaligned && i < data.length; i++) {
      const index = (lo ^ data[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ L0[index]!) >>> 0;
      hi = ((hi >>> 8) ^ H0[index]!) >>> 0;
    }
    const words = Math.floor((data.length - i) / 8) * 2;
    if (words > 0) {
      const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
      for (let w = 0; w < words; w += 2) {
        const a = (lo ^ view[w]!) >>> 0;
        const b = (hi ^ view[w + 1]!) >>> 0;
        lo =
          (L7[a & 0xff]! ^
            L6[(a >>> 8) & 0xff]! ^
            L5[(a >>> 16) & 0xff]! ^
            L4[a >>> 24]! ^
            L3[b & 0xff]! ^
            L2[(b >>> 8) & 0xff]! ^
            L1[(b >>> 16) & 0xff]! ^
            L0[b >>> 24]!) >>>
          0;
        hi =
          (H7[a & 0xff]! ^
            H6[(a >>> 8) & 0xff]! ^
            H5[(a >>> 16) & 0xff]! ^
            H4[a >>> 24]! ^
            H3[b & 0xff]! ^
            H2[(b >>> 8) & 0xff]! ^
            H1[(b >>> 16) & 0xff]! ^
            H0[b >>> 24]!) >>>
          0;
      }
      i += words * 4;
    }
    for (; i < data.length; i++) {
      const index = (lo ^ data[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ L0[index]!) >>> 0;
      hi = ((hi >>> 8) ^ H0[index]!) >>> 0;
    }
    this.#lo = lo;
    this.#hi = hi;
    return this;
  }

  clone(): Crc64 {
    const copy = new Crc64();
    copy.#lo = this.#lo;
    copy.#hi = this.#hi;
    return copy;
  }

  /** The CRC as the 8 little-endian bytes an RDB file ends with. */
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32LE(this.#lo, 0);
    out.writeUInt32LE(this.#hi, 4);
    return out;
  }

  hex(): string {
    return this.#hi.toString(16).padStart(8, '0') + this.#lo.toString(16).padStart(8, '0');
  }
}

export function crc64(data: Uint8Array): Crc64 {
  return new Crc64().update(data);
}
