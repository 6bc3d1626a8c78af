import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlabCopier } from '../../src/jobs/slab-copier.ts';
import { noise } from '../support/rdb-bytes.ts';

const SLAB = 4096;

/** Feeds `source` through one reused buffer, as a socket reading into it would, in reads of varied sizes. */
function feed(copier: SlabCopier, source: Buffer): void {
  const reused = Buffer.alloc(1500);
  for (let at = 0, n = 0; at < source.length; n++) {
    const size = Math.min(1 + ((n * 613) % reused.length), source.length - at);
    source.copy(reused, 0, at, at + size);
    copier.copy(reused.subarray(0, size));
    reused.fill(0x5a);
    at += size;
  }
}

describe('the slab copier', () => {
  it('does not fill a slab again while its write is still pending', () => {
    const source = noise(40 * SLAB + 123, 9);
    const pending: { bytes: Buffer; written: () => void }[] = [];
    const copier = new SlabCopier({
      slabBytes: SLAB,
      reuse: true,
      write: (bytes, written) => pending.push({ bytes, written }),
    });
    // Half the writes complete along the way, in order, as a file would take them; the rest stay pending.
    const half = noise(20 * SLAB, 3);
    feed(copier, half);
    for (const { written } of pending) written();
    const done = pending.length;
    const kept = pending.map(({ bytes }) => Buffer.from(bytes));
    feed(copier, source);
    copier.flush();
    const late = pending.slice(done).map(({ bytes }) => bytes);
    // What the pending writes point at must still be what was copied into them.
    assert.ok(Buffer.concat(late).equals(source), 'pending slabs kept their bytes');
    assert.ok(Buffer.concat(kept).equals(half));
  });

  it('fills written slabs again once their write completed, and never when told not to reuse', () => {
    const source = noise(30 * SLAB, 4);
    const written: Buffer[] = [];
    const reusing = new SlabCopier({
      slabBytes: SLAB,
      reuse: true,
      write: (bytes, done) => {
        written.push(Buffer.from(bytes));
        done();
      },
    });
    feed(reusing, source);
    reusing.flush();
    assert.ok(Buffer.concat(written).equals(source));
    assert.equal(reusing.allocated, 1);

    const fresh = new SlabCopier({ slabBytes: SLAB, reuse: false, write: (_bytes, done) => done() });
    feed(fresh, source);
    assert.equal(fresh.allocated, 30);
  });

  it('drops a slab whose write failed rather than fill it again', () => {
    const copier = new SlabCopier({
      slabBytes: SLAB,
      reuse: true,
      write: (_bytes, done) => done(new Error('disk full')),
    });
    feed(copier, noise(3 * SLAB, 5));
    assert.equal(copier.allocated, 3);
  });
});
