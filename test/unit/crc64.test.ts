import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Crc64, crc64, Crc64Arena, writeCrc64 } from '../../src/engine/rdb/crc64.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';

/** Bit-at-a-time reference with BigInt: slow, obviously right. */
function reference(data: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

describe('CRC-64/Jones', () => {
  it('gives the check value e9c6d914c4b8d9ca for "123456789"', () => {
    assert.equal(crc64(Buffer.from('123456789')).hex(), 'e9c6d914c4b8d9ca');
  });

  it('matches the bitwise reference on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        assert.equal(crc64(data).hex(), reference(data).toString(16).padStart(16, '0'));
      }),
      { numRuns: 200 },
    );
  });

  it('matches the reference over inputs longer than the WebAssembly window, at any alignment', () => {
    const data = Buffer.alloc(200_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    for (const offset of [0, 1, 3, 7]) {
      const slice = data.subarray(offset, offset + 150_001);
      assert.equal(crc64(slice).hex(), reference(slice).toString(16).padStart(16, '0'));
    }
  });

  it('writes the same digest in place as the object does, for any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(16), (data, at) => {
        const out = Buffer.alloc(at + 8);
        writeCrc64(data, out, at);
        assert.deepEqual(out.subarray(at), crc64(data).digest());
      }),
    );
  });

  it('gives the same result fed in arbitrary pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.array(fc.nat(500)), (data, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        const crc = new Crc64();
        let from = 0;
        for (const to of [...points, data.length]) {
          crc.update(data.subarray(from, to));
          from = to;
        }
        assert.equal(crc.hex(), crc64(data).hex());
      }),
    );
  });

  it(
    'reproduces the trailer of real RDB files',
    { skip: !fixturesAvailable() && 'shared fixtures absent' },
    () => {
      for (const name of ['multiple_lists_strings.rdb', 'hash_lp_v11.rdb', 'quicklist2_v11.rdb']) {
        const file = fs.readFileSync(fixturePath(name));
        assert.deepEqual(
          crc64(file.subarray(0, file.length - 8)).digest(),
          file.subarray(file.length - 8),
          name,
        );
      }
    },
  );
});

describe('Crc64Arena: the payload CRC computed in place', () => {
  it('writes the same CRC as the streaming one after the bytes, for every length and offset, touching nothing else', () => {
    const arena = new Crc64Arena(4096);
    const data = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 131 + 7) & 0xff));
    for (const length of [0, 1, 7, 8, 9, 63, 64, 65, 803, 1500]) {
      for (const at of [0, 3, 1000]) {
        arena.bytes.fill(0xaa);
        data.copy(arena.bytes, at, 0, length);
        arena.crcAt(at, length);
        const expected = Buffer.alloc(8);
        expected.writeBigUInt64LE(reference(data.subarray(0, length)));
        assert.deepEqual(
          arena.bytes.subarray(at + length, at + length + 8),
          expected,
          `length ${length} at ${at}`,
        );
        assert.ok(
          arena.bytes.subarray(0, at).every((byte) => byte === 0xaa),
          'nothing before is written',
        );
        assert.ok(
          arena.bytes.subarray(at + length + 8).every((byte) => byte === 0xaa),
          'nothing after',
        );
      }
    }
  });
});
