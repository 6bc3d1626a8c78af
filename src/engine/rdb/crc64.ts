import { crc64ModuleBytes, WINDOW_BYTES, WINDOW_OFFSET } from './crc64-wasm.ts';

/**
 * CRC-64/Jones as Redis computes it over RDB files (reflected polynomial 0x95AC9329AC4BC9B5, init 0, no final
 * xor). Eight 256-entry tables let the update consume eight bytes per step ("slicing by 8"); that loop runs in
 * WebAssembly, and short inputs take a byte loop here with the state in two unsigned 32-bit halves.
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

const L0 = TABLES_LO[0]!;
const H0 = TABLES_HI[0]!;

/** The little of WebAssembly used here: the project's type libraries (ES2023, Node) leave it out. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmCrc {
  update(crc: bigint, len: number): bigint;
  crcAt(start: number, len: number): void;
  memory: { buffer: ArrayBuffer };
}

/** The slicing-by-8 loop runs in WebAssembly (64-bit integers); its memory starts with the eight tables. */
function instantiate(pages: number): WasmCrc {
  const instance = new Instance(new Module(crc64ModuleBytes(pages)));
  const exports = instance.exports as WasmCrc;
  const tables = new DataView(exports.memory.buffer);
  for (let k = 0; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      tables.setUint32(k * 2048 + n * 8, TABLES_LO[k]![n]!, true);
      tables.setUint32(k * 2048 + n * 8 + 4, TABLES_HI[k]![n]!, true);
    }
  }
  return exports;
}

const wasm = (() => {
  const exports = instantiate(2);
  return { update: exports.update, memory: new Uint8Array(exports.memory.buffer) };
})();

/**
 * Memory the CRC loop reads in place: a DUMP payload written into `bytes` gets its CRC-64 computed where it lies,
 * with no copy and no 64-bit integer crossing into JavaScript (the cost that dominates for values of a few
 * hundred bytes). Its own WebAssembly instance, sized once: it never grows, so `bytes` stays valid.
 */
export class Crc64Arena {
  readonly bytes: Buffer;
  readonly #crcAt: (start: number, len: number) => void;
  readonly #base: number;

  constructor(size: number) {
    this.#base = WINDOW_OFFSET + WINDOW_BYTES;
    const exports = instantiate(Math.ceil((this.#base + size + 8) / 65536));
    this.#crcAt = exports.crcAt;
    this.bytes = Buffer.from(exports.memory.buffer, this.#base, size);
  }

  /** Writes the CRC-64 (from zero) of bytes[at, at + length) as 8 little-endian bytes at bytes[at + length]. */
  crcAt(at: number, length: number): void {
    this.#crcAt(this.#base + at, length);
  }
}

/** Below this, a byte loop here costs less than a trip into WebAssembly. */
const SMALL = 64;
const MASK_32 = 0xffffffffn;

export class Crc64 {
  #lo = 0;
  #hi = 0;

  update(data: Uint8Array): this {
    let i = 0;
    if (data.length >= SMALL) {
      let state = (BigInt(this.#hi) << 32n) | BigInt(this.#lo);
      for (; data.length - i >= 8;) {
        const n = Math.min(WINDOW_BYTES, (data.length - i) & ~7);
        wasm.memory.set(data.subarray(i, i + n), WINDOW_OFFSET);
        state = wasm.update(state, n);
        i += n;
      }
      this.#lo = Number(state & MASK_32);
      this.#hi = Number((state >> 32n) & MASK_32);
    }
    let lo = this.#lo;
    let hi = this.#hi;
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

/**
 * Writes the CRC-64 of `data` (from a zero state) as 8 little-endian bytes at out[at]: the per-key payload
 * checksum of a restore, without an object or a digest buffer per key.
 */
export function writeCrc64(data: Uint8Array, out: Buffer, at: number): void {
  let state = 0n;
  let i = 0;
  for (; data.length - i >= 8;) {
    const n = Math.min(WINDOW_BYTES, (data.length - i) & ~7);
    wasm.memory.set(data.subarray(i, i + n), WINDOW_OFFSET);
    state = wasm.update(state, n);
    i += n;
  }
  if (i === data.length) {
    out.writeBigUInt64LE(BigInt.asUintN(64, state), at);
    return;
  }
  let lo = Number(state & MASK_32);
  let hi = Number((state >> 32n) & MASK_32);
  for (; i < data.length; i++) {
    const index = (lo ^ data[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ L0[index]!) >>> 0;
    hi = ((hi >>> 8) ^ H0[index]!) >>> 0;
  }
  out.writeUInt32LE(lo, at);
  out.writeUInt32LE(hi, at + 4);
}
