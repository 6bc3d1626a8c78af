import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { ObservedSink } from '../../src/jobs/observed-sink.ts';

/** A target that takes each write on a later turn, so its buffer fills and it asks for backpressure. */
function slowTarget(highWaterMark: number, failAt = Infinity) {
  const received: Buffer[] = [];
  let writes = 0;
  const target = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      const n = ++writes;
      setImmediate(() => {
        if (n >= failAt) return done(new Error('disk full'));
        received.push(chunk);
        done();
      });
    },
  });
  return { target, received };
}

describe('the observed sink', () => {
  it('shows every chunk, in order, and hands all of them to the target before settling', async () => {
    const { target, received } = slowTarget(64);
    const seen: Buffer[] = [];
    const sink = new ObservedSink(target, (chunk) => seen.push(chunk));
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(40, i));
    let refusals = 0;
    for (const chunk of chunks) {
      if (!sink.write(chunk)) {
        refusals++;
        await new Promise((resolve) => sink.once('drain', resolve));
      }
    }
    assert.ok(refusals > 0, 'the target asked for backpressure through the sink');
    await sink.settled();
    assert.deepEqual(Buffer.concat(seen), Buffer.concat(chunks));
    assert.deepEqual(Buffer.concat(received), Buffer.concat(chunks));
    // The target is its owner's to end (commit): the sink does not end it.
    assert.equal(target.writableEnded, false);
  });

  it("passes the target's failure on, as an error event and to settled()", async () => {
    const { target } = slowTarget(8, 2);
    const sink = new ObservedSink(target, () => undefined);
    const failed = new Promise<Error>((resolve) => sink.once('error', resolve));
    for (let i = 0; i < 5; i++) sink.write(Buffer.alloc(10));
    assert.match((await failed).message, /disk full/);
    await assert.rejects(sink.settled(), /disk full/);
  });
});
