/**
 * What walking a backup's structure on the incoming bytes adds to the transfer's own per-byte work: CPU time
 * of the CRC-64 and SHA-256 (what the transfer always computed) against the same plus the structure walk,
 * over a ~200 MB RDB of 800-byte values (as bench:backup fills Redis) in 64 KiB chunks. CPU time, not wall
 * time, so other work on the machine does not blur it.
 *
 *   node --import tsx bench/backup-walk.ts [--mb 200] [--value-bytes 800] [--rounds 3]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RdbIntegrity } from '../src/engine/rdb/rdb-integrity.ts';
import { RdbStructureWalker } from '../src/engine/rdb/rdb-inspector.ts';
import { makeRdb } from '../test/support/rdb-bytes.ts';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    'value-bytes': { type: 'string', default: '800' },
    rounds: { type: 'string', default: '3' },
  },
});
const VALUE = Number(args['value-bytes']);
const ROUNDS = Number(args.rounds);

/** RDB length encoding of n (6-, 14- or 32-bit). */
function length(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16_384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = 0x80;
  out.writeUInt32BE(n, 1);
  return out;
}

const keys = Math.floor((Number(args.mb) * 1e6) / (VALUE + 20));
const noise = randomBytes(VALUE + 4096);
const parts: Buffer[] = [Buffer.from([0xfe, 0x00])];
for (let i = 0; i < keys; i++) {
  const key = Buffer.from(`key:${String(i).padStart(12, '0')}`);
  const at = i % 4096;
  parts.push(Buffer.from([0x00]), length(key.length), key, length(VALUE), noise.subarray(at, at + VALUE));
}
const rdb = makeRdb(Buffer.concat(parts));
const chunks: Buffer[] = [];
for (let at = 0; at < rdb.length; at += 65_536) chunks.push(rdb.subarray(at, at + 65_536));

function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const transfer = () => {
  const integrity = new RdbIntegrity();
  for (const chunk of chunks) integrity.push(chunk);
  if (integrity.finish().problem) throw new Error('bad file');
};
const transferAndWalk = () => {
  const integrity = new RdbIntegrity();
  const walker = new RdbStructureWalker({ captureLimit: 0 });
  for (const chunk of chunks) {
    integrity.push(chunk);
    walker.push(chunk);
  }
  if (integrity.finish().problem || walker.finish().problem) throw new Error('bad file');
};

console.log(
  `RDB ${(rdb.length / 1e6).toFixed(0)} MB, ${keys} keys of ${VALUE} bytes, ${chunks.length} chunks`,
);
transfer();
transferAndWalk();
const plain: number[] = [];
const walked: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  plain.push(cpuMs(transfer));
  walked.push(cpuMs(transferAndWalk));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mbps = (ms: number) => ((rdb.length / 1e6 / ms) * 1000).toFixed(0);
console.log(`CRC-64 + SHA-256: median ${median(plain).toFixed(0)} ms CPU (${mbps(median(plain))} MB/s)`);
console.log(
  `CRC-64 + SHA-256 + structure walk: median ${median(walked).toFixed(0)} ms CPU (${mbps(median(walked))} MB/s)`,
);
console.log(`ratio walked/plain ${(median(walked) / median(plain)).toFixed(3)}`);
