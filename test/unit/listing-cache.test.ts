import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
