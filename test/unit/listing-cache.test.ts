import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ListingCache } from '../../src/api/listing-cache.ts';

const body = (size: number, fill = 'x') => Buffer.from(fill.repeat(size));

describe('ListingCache', () => {
  it('answers a body only under the version it was kept with, and forgets it once the version moved', () => {
    const cache = new ListingCache(1024);
    cache.set('k', '7', body(10, 'a'));
    assert.equal(cache.get('k', '7')?.toString(), 'a'.repeat(10));
    assert.equal(cache.get('k', '8'), undefined);
    // The stale entry is gone: even its old version no longer finds it.
    assert.equal(cache.get('k', '7'), undefined);
    assert.equal(cache.bytes, 0);
  });

  it('keeps a copy, so a buffer reused by the caller does not change what is served', () => {
    const cache = new ListingCache(1024);
    const page = body(8, 'a');
    cache.set('k', '1', page.subarray(0, 4));
    page.fill('z');
    assert.equal(cache.get('k', '1')?.toString(), 'aaaa');
  });

  it('drops the least recently used bodies once their bytes pass the limit', () => {
    const cache = new ListingCache(800);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, '1', body(100));
    assert.ok(cache.get('a', '1')); // a is now the most recently used
    for (const key of ['e', 'f', 'g', 'h', 'i']) cache.set(key, '1', body(100));
    assert.equal(cache.bytes, 800);
    assert.equal(cache.size, 8);
    assert.equal(cache.get('b', '1'), undefined);
    assert.ok(cache.get('a', '1'));
    assert.ok(cache.get('i', '1'));
  });

  it('replaces a key rather than counting it twice, and does not keep a body over an eighth of the limit', () => {
    const cache = new ListingCache(800);
    cache.set('k', '1', body(100));
    cache.set('k', '2', body(50));
    assert.equal(cache.bytes, 50);
    assert.equal(cache.get('k', '2')?.length, 50);
    cache.set('big', '1', body(101));
    assert.equal(cache.get('big', '1'), undefined);
    assert.equal(cache.bytes, 50);
  });

  it('keeps nothing with a limit of 0', () => {
    const cache = new ListingCache(0);
    cache.set('k', '1', body(1));
    assert.equal(cache.get('k', '1'), undefined);
    assert.equal(cache.size, 0);
  });
});

/** The cache's behaviour in the plainest terms: an array from least to most recently used. */
class ModelCache {
  entries: { key: string; version: string; size: number }[] = [];
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }
  get bytes() {
    return this.entries.reduce((sum, entry) => sum + entry.size, 0);
  }
  get(key: string, version: string): number | undefined {
    const at = this.entries.findIndex((entry) => entry.key === key);
    if (at < 0) return undefined;
    const [entry] = this.entries.splice(at, 1);
    if (entry!.version !== version) return undefined;
    this.entries.push(entry!);
    return entry!.size;
  }
  set(key: string, version: string, size: number): void {
    this.entries = this.entries.filter((entry) => entry.key !== key);
    if (size > this.maxBytes / 8) return;
    this.entries.push({ key, version, size });
    while (this.bytes > this.maxBytes) this.entries.shift();
  }
}

describe('ListingCache against a model', () => {
  it('keeps the same keys, in the same recency order, with the same bytes, whatever the sequence', () => {
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('get' as const),
        key: fc.integer({ min: 0, max: 12 }),
        version: fc.integer({ min: 0, max: 2 }),
      }),
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 12 }),
        version: fc.integer({ min: 0, max: 2 }),
        size: fc.integer({ min: 1, max: 140 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const cache = new ListingCache(1000);
        const model = new ModelCache(1000);
        for (const op of operations) {
          const key = `k${op.key}`;
          const version = String(op.version);
          if (op.kind === 'get') assert.equal(cache.get(key, version)?.length, model.get(key, version));
          else {
            cache.set(key, version, body(op.size));
            model.set(key, version, op.size);
          }
          assert.deepEqual(
            cache.keysByRecency(),
            model.entries.map((entry) => entry.key),
          );
          assert.equal(cache.bytes, model.bytes);
          assert.equal(cache.size, model.entries.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
