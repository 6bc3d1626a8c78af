import { CLUSTER_SLOT_COUNT } from './cluster-topology.ts';

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), a byte at a time from a table. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The hash slot Redis Cluster puts a key in: CRC16 of the key modulo 16384, or of its hash tag (the bytes between
 * the first "{" and the next "}") when that is not empty, so that keys sharing a tag share a slot.
 */
export function keySlot(key: Uint8Array): number {
  const open = key.indexOf(OPEN_BRACE);
  if (open >= 0) {
    const close = key.indexOf(CLOSE_BRACE, open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) % CLUSTER_SLOT_COUNT;
  }
  return crc16(key, 0, key.length) % CLUSTER_SLOT_COUNT;
}

/**
 * A key of the form `prefix{tag}` whose slot is among `slots`: a probe the restore's pre-flight may send to a
 * cluster master without being redirected. Found by trying tags in order, so the same slots give the same key.
 */
export function keyInSlots(prefix: string, slots: readonly (readonly [number, number])[]): string {
  for (let n = 0; n < 1_000_000; n++) {
    const key = `${prefix}{${n.toString(36)}}`;
    const slot = keySlot(Buffer.from(key));
    if (slots.some(([first, last]) => slot >= first && slot <= last)) return key;
  }
  throw new Error('no probe key found for the slots');
}
