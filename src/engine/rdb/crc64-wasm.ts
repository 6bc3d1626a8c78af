/**
 * The CRC-64 slicing-by-8 loop as a small WebAssembly module, written out here byte by byte (no toolchain is
 * needed to build it): WebAssembly has 64-bit integers, so a step is one 8-byte load, eight table loads and
 * xors, where JavaScript needs two 32-bit halves for everything. Linear memory holds the eight 256-entry tables
 * (16 KiB) and, after them, a 64 KiB window the caller copies data into.
 */

export const TABLES_BYTES = 8 * 256 * 8;
export const WINDOW_OFFSET = TABLES_BYTES;
export const WINDOW_BYTES = 64 * 1024;

// Opcodes and types used below (WebAssembly core specification, binary format).
const I32 = 0x7f;
const I64 = 0x7e;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const I64_XOR = 0x85;
const I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xa7;
const I64_LOAD = 0x29;
const I64_LOAD8_U = 0x31;
const I64_STORE = 0x37;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const EMPTY = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text, 'latin1')];

// Locals: 0 crc (i64; in crcAt the i32 start), 1 len (i32, parameter), 2 p, 3 end8, 4 end (i32), 5 c (i64).
const [CRC, LEN, P, END8, END_ALL, C] = [0, 1, 2, 3, 4, 5];
const START = 0;

/** T[7 - j][byte j of c]: byte j of the state picks from table 7 - j, at memarg offset (7 - j) * 2 KiB. */
function tableLookup(j: number): number[] {
  // prettier-ignore
  return [
    LOCAL_GET, C,
    ...(j === 0 ? [] : [I64_CONST, ...sleb(8 * j), I64_SHR_U]),
    I32_WRAP_I64,
    I32_CONST, ...sleb(0xff), I32_AND,
    I32_CONST, 3, I32_SHL,
    I64_LOAD, 3, ...uleb((7 - j) * 2048),
  ];
}

/**
 * update(crc, len): from `crc` over the window, returning the new state. crcAt(start, len): from zero over
 * [start, start + len), the result stored as 8 little-endian bytes at start + len (a DUMP payload's checksum,
 * computed in place: no copy in, no 64-bit integer out to JavaScript).
 */
function body(inPlace: boolean): number[] {
  const start = inPlace ? [LOCAL_GET, START] : [I32_CONST, ...sleb(WINDOW_OFFSET)];
  // prettier-ignore
  const code = [
    // c = crc (or 0); p = start; end = p + len; end8 = p + (len & ~7)
    ...(inPlace ? [I64_CONST, 0] : [LOCAL_GET, CRC]), LOCAL_SET, C,
    ...start, LOCAL_SET, P,
    ...start, LOCAL_GET, LEN, I32_ADD, LOCAL_SET, END_ALL,
    ...start, LOCAL_GET, LEN, I32_CONST, ...sleb(-8), I32_AND, I32_ADD, LOCAL_SET, END8,
    // Eight bytes a step.
    BLOCK, EMPTY, LOOP, EMPTY,
    LOCAL_GET, P, LOCAL_GET, END8, I32_GE_U, BR_IF, 1,
    LOCAL_GET, C, LOCAL_GET, P, I64_LOAD, 0, 0, I64_XOR, LOCAL_SET, C,
    ...tableLookup(0),
    ...[1, 2, 3, 4, 5, 6, 7].flatMap((j) => [...tableLookup(j), I64_XOR]),
    LOCAL_SET, C,
    LOCAL_GET, P, I32_CONST, 8, I32_ADD, LOCAL_SET, P,
    BR, 0, END, END,
    // The rest a byte at a time: c = T0[(c ^ byte) & 0xff] ^ (c >> 8).
    BLOCK, EMPTY, LOOP, EMPTY,
    LOCAL_GET, P, LOCAL_GET, END_ALL, I32_GE_U, BR_IF, 1,
    LOCAL_GET, C, LOCAL_GET, P, I64_LOAD8_U, 0, 0, I64_XOR, I32_WRAP_I64,
    I32_CONST, ...sleb(0xff), I32_AND, I32_CONST, 3, I32_SHL, I64_LOAD, 3, 0,
    LOCAL_GET, C, I64_CONST, 8, I64_SHR_U, I64_XOR, LOCAL_SET, C,
    LOCAL_GET, P, I32_CONST, 1, I32_ADD, LOCAL_SET, P,
    BR, 0, END, END,
    ...(inPlace ? [LOCAL_GET, END_ALL, LOCAL_GET, C, I64_STORE, 0, 0] : [LOCAL_GET, C]),
    END,
  ];
  const locals = [2, 3, I32, 1, I64];
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/**
 * The module's bytes: update(crc: i64, len: i32) -> i64 over the window, crcAt(start: i32, len: i32) in place,
 * and its memory of `pages` 64 KiB pages (the tables and the window take the first two).
 */
export function crc64ModuleBytes(pages = 2): Uint8Array {
  // prettier-ignore
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 2, I64, I32, 1, I64, 0x60, 2, I32, I32, 0]),
    ...section(3, [2, 0, 1]),
    ...section(5, [1, 0, ...uleb(pages)]),
    ...section(7, [3, ...name('update'), 0x00, 0, ...name('crcAt'), 0x00, 1, ...name('memory'), 0x02, 0]),
    ...section(10, [2, ...body(false), ...body(true)]),
  ]);
}
