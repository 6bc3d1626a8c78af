import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyInSlots, keySlot } from '../../src/core/key-slot.ts';
import { keySlot as oracleSlot } from '../support/redis-cluster.ts';

test('key slots are those Redis documents, hash tags included', () => {
  // The examples of the Redis Cluster specification and CLUSTER KEYSLOT's documentation.
  assert.equal(keySlot(Buffer.from('123456789')), 0x31c3 % 16384);
  assert.equal(keySlot(Buffer.from('somekey')), 11058);
  assert.equal(keySlot(Buffer.from('foo{hash_tag}')), 2515);
  assert.equal(keySlot(Buffer.from('{user1000}.following')), keySlot(Buffer.from('{user1000}.followers')));
  // An empty tag does not count: the whole key is hashed, as is a key whose "{" is never closed.
  assert.equal(keySlot(Buffer.from('foo{}{bar}')), oracleSlot(Buffer.from('foo{}{bar}')));
  assert.notEqual(keySlot(Buffer.from('foo{}{bar}')), keySlot(Buffer.from('bar')));
  assert.equal(keySlot(Buffer.from('foo{{bar}}zap')), keySlot(Buffer.from('{bar')));
  assert.equal(keySlot(Buffer.from('foo{bar')), oracleSlot(Buffer.from('foo{bar')));
});

test('the table-driven slot agrees with a bit-by-bit CRC16 on binary keys', () => {
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const key = Buffer.alloc(1 + (i % 40));
    for (let j = 0; j < key.length; j++) key[j] = (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
    assert.equal(keySlot(key), oracleSlot(key), `key ${key.toString('hex')}`);
  }
});

test('a probe key lands in the slots asked for', () => {
  for (const slots of [
    [[0, 5460]],
    [[16383, 16383]],
    [
      [100, 200],
      [9000, 9001],
    ],
  ] as [number, number][][]) {
    const key = keyInSlots('dcs-backup:probe:', slots);
    const slot = keySlot(Buffer.from(key));
    assert.ok(
      slots.some(([a, b]) => slot >= a && slot <= b),
      `${key} in slot ${slot}`,
    );
    assert.equal(keyInSlots('dcs-backup:probe:', slots), key, 'the same slots give the same key');
  }
});
