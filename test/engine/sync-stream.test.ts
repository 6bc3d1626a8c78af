import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RdbIntegrity } from '../../src/engine/rdb/rdb-integrity.ts';
import { ReplicationProtocolError, SyncStreamParser } from '../../src/engine/replication/sync-stream.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';

const MARK = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

function parse(chunks: Buffer[]) {
  const integrity = new RdbIntegrity();
  const received: Buffer[] = [];
  const parser = new SyncStreamParser(integrity, (chunk) => received.push(Buffer.from(chunk)));
  for (const chunk of chunks) parser.feed(chunk);
  return { parser, payload: Buffer.concat(received), summary: parser.done ? integrity.finish() : null };
}

function splitAt(data: Buffer, points: number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, data.length]) {
    pieces.push(data.subarray(from, to));
    from = to;
  }
  return pieces;
}

const rdb = makeRdb(noise(3000));
const diskless = Buffer.concat([
  Buffer.from(`\n\n+FULLRESYNC ${'f'.repeat(40)} 1234\r\n\n$EOF:${MARK}\r\n`),
  rdb,
  Buffer.from(MARK),
  Buffer.from('\n\n*1\r\n$4\r\nPING\r\n'), // what may follow: keepalives, the command stream
]);
const diskBased = Buffer.concat([
  Buffer.from(`\n+FULLRESYNC ${'e'.repeat(40)} 99\r\n\n\n$${rdb.length}\r\n`),
  rdb,
  Buffer.from('\n'),
]);

describe('the sync stream after SYNC/PSYNC', () => {
  it('reads a diskless RDB up to its mark, whole, byte by byte and split anywhere', () => {
    const whole = parse([diskless]);
    assert.ok(whole.parser.done);
    assert.deepEqual(whole.payload, rdb);
    assert.equal(whole.summary?.checksum, 'ok');
    assert.equal(whole.summary?.problem, null);
    assert.equal(whole.parser.info.replicationId, 'f'.repeat(40));
    assert.equal(whole.parser.info.replicationOffset, 1234);
    assert.equal(whole.parser.info.framing, 'eof-mark');

    const byteByByte = parse([...diskless].map((b) => Buffer.from([b])));
    assert.deepEqual(byteByByte.payload, rdb);
    fc.assert(
      fc.property(fc.array(fc.nat(diskless.length), { maxLength: 12 }), (points) => {
        const result = parse(splitAt(diskless, points));
        assert.ok(result.parser.done);
        assert.deepEqual(result.payload, rdb);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the mark split at every byte boundary', () => {
    const markStart = diskless.indexOf(MARK, 60);
    for (let cut = markStart - 10; cut <= markStart + MARK.length + 2; cut++) {
      const result = parse([diskless.subarray(0, cut), diskless.subarray(cut)]);
      assert.deepEqual(result.payload, rdb, `cut at ${cut}`);
    }
  });

  it('ends the transfer at the first mark, as a replica does, and leaves judging the bytes to the integrity check', () => {
    // The mark is random per transfer; where it appears, the transfer ends, valid RDB before it or not.
    const early = makeRdb(Buffer.concat([noise(100), Buffer.from(MARK), noise(50)]));
    const stream = Buffer.concat([Buffer.from(`$EOF:${MARK}\r\n`), early, Buffer.from(MARK)]);
    for (const chunks of [[stream], [...stream].map((b) => Buffer.from([b]))]) {
      const result = parse(chunks);
      assert.ok(result.parser.done);
      assert.deepEqual(result.payload, early.subarray(0, 9 + 100));
      assert.match(result.summary?.problem ?? '', /EOF opcode/);
    }
  });

  it('reads a length-framed RDB with keepalives before and after +FULLRESYNC', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(diskBased.length), { maxLength: 12 }), (points) => {
        const result = parse(splitAt(diskBased, points));
        assert.ok(result.parser.done);
        assert.deepEqual(result.payload, rdb);
        assert.equal(result.parser.info.framing, 'length');
        assert.equal(result.summary?.checksum, 'ok');
      }),
      { numRuns: 200 },
    );
  });

  it('works for SYNC, which sends no +FULLRESYNC line', () => {
    const result = parse([Buffer.from(`\n\n$EOF:${MARK}\r\n`), rdb, Buffer.from(MARK)]);
    assert.deepEqual(result.payload, rdb);
    assert.equal(result.parser.info.replicationId, null);
  });

  it('is not done when the stream stops early', () => {
    const truncated = parse([diskless.subarray(0, diskless.length - 200)]);
    assert.equal(truncated.parser.done, false);
    const shortLength = parse([diskBased.subarray(0, diskBased.length - 20)]);
    assert.equal(shortLength.parser.done, false);
  });

  it('reports a corrupted checksum in length framing', () => {
    const corrupted = Buffer.from(diskBased);
    corrupted[corrupted.length - 200] = corrupted[corrupted.length - 200]! ^ 0x01;
    const result = parse([corrupted]);
    assert.equal(result.summary?.checksum, 'mismatch');
    assert.match(result.summary?.problem ?? '', /CRC-64/);
  });

  it('ends a corrupted diskless stream at its mark and says what is wrong with it', () => {
    const markAt = diskless.lastIndexOf(MARK);
    const payloadStart = markAt - rdb.length;
    // One byte flipped in the body (a length, say): the CRC no longer matches.
    const flipped = Buffer.from(diskless);
    flipped[payloadStart + 200] = flipped[payloadStart + 200]! ^ 0x01;
    // A file cut in half, followed by the mark.
    const cut = Buffer.concat([
      diskless.subarray(0, payloadStart + 1500),
      Buffer.from(MARK),
      Buffer.from('\n\n\n'),
    ]);
    // A wrong checksum, the mark, then the connection closes.
    const badCrc = Buffer.from(diskless.subarray(0, markAt + MARK.length));
    badCrc[markAt - 1] = badCrc[markAt - 1]! ^ 0xff;
    const cases: [Buffer, RegExp][] = [
      [flipped, /CRC-64 checksum does not match/],
      [cut, /ended without its EOF opcode/],
      [badCrc, /CRC-64 checksum does not match/],
    ];
    for (const [stream, reason] of cases) {
      for (const chunks of [[stream], splitAt(stream, [markAt - 20, markAt + 5])]) {
        const result = parse(chunks);
        assert.ok(result.parser.done);
        assert.match(result.summary?.problem ?? '', reason);
      }
    }
  });

  it('turns an error line into a refusal and garbage into a protocol error', () => {
    assert.throws(
      () => parse([Buffer.from("\n-NOMASTERLINK Can't SYNC while not connected with my master\r\n")]),
      (error: unknown) =>
        error instanceof ReplicationProtocolError && error.refused && /NOMASTERLINK/.test(error.message),
    );
    assert.throws(() => parse([Buffer.from('+CONTINUE\r\n')]), ReplicationProtocolError);
    assert.throws(() => parse([Buffer.from('x'.repeat(5000))]), ReplicationProtocolError);
  });
});
