import { Crc64 } from '../rdb/crc64.ts';
import { OP } from '../rdb/rdb-types.ts';

/** The two-byte version and eight-byte CRC-64 that end every DUMP payload (createDumpPayload). */
export function payloadFooter(crc: Crc64, version: number): Buffer {
  const footer = Buffer.alloc(10);
  footer.writeUInt16LE(version, 0);
  crc.update(footer.subarray(0, 2));
  crc.digest().copy(footer, 2);
  return footer;
}

/**
 * A DUMP payload for RESTORE: the type byte, the value's bytes exactly as the RDB file stores them, the RDB
 * version the target is told it comes from, and a CRC-64 over all of it (a zero CRC is refused by Redis).
 */
export function dumpPayload(type: number, value: Buffer, version: number): Buffer {
  const head = Buffer.from([type]);
  const crc = new Crc64().update(head).update(value);
  return Buffer.concat([head, value, payloadFooter(crc, version)]);
}

/** An RDB string as the file would hold it, length-prefixed (rdbSaveRawString without compression). */
export function rdbString(bytes: Buffer): Buffer {
  const n = bytes.length;
  let prefix: Buffer;
  if (n < 1 << 6) prefix = Buffer.from([n]);
  else if (n < 1 << 14) prefix = Buffer.from([0x40 | (n >> 8), n & 0xff]);
  else if (n <= 0xffffffff) {
    prefix = Buffer.alloc(5);
    prefix[0] = 0x80;
    prefix.writeUInt32BE(n, 1);
  } else {
    prefix = Buffer.alloc(9);
    prefix[0] = 0x81;
    prefix.writeBigUInt64BE(BigInt(n), 1);
  }
  return Buffer.concat([prefix, bytes]);
}

/** The FUNCTION DUMP payload of a set of libraries: their FUNCTION2 records, version and CRC (functionDumpCommand). */
export function functionsPayload(libraries: readonly Buffer[], version: number): Buffer {
  const body = Buffer.concat(libraries.flatMap((code) => [Buffer.from([OP.FUNCTION2]), rdbString(code)]));
  return Buffer.concat([body, payloadFooter(new Crc64().update(body), version)]);
}

/** The version a DUMP payload says it has: the two bytes before its CRC. */
export function payloadVersion(payload: Buffer): number {
  if (payload.length < 10) throw new Error('not a DUMP payload');
  return payload.readUInt16LE(payload.length - 10);
}
