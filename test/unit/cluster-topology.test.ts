import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSlotRanges,
  orderShards,
  uncoveredSlots,
  type ClusterShard,
  type SlotRange,
} from '../../src/core/cluster-topology.ts';

const shard = (id: string, ...slots: SlotRange[]): ClusterShard => ({
  slots,
  master: { id, host: '127.0.0.1', port: 7000, healthy: true },
  replicas: [],
});

describe('cluster slot coverage', () => {
  it('finds no gap when every slot is served, ranges in any order', () => {
    assert.deepEqual(uncoveredSlots([shard('b', [5461, 16383]), shard('a', [0, 5460])]), []);
  });

  it('names gaps at the start, between shards, inside a shard and at the end', () => {
    const shards = [shard('a', [1, 99], [101, 200]), shard('b', [300, 16382])];
    assert.deepEqual(uncoveredSlots(shards), [
      [0, 0],
      [100, 100],
      [201, 299],
      [16383, 16383],
    ]);
    assert.equal(describeSlotRanges(uncoveredSlots(shards)), '0, 100, 201-299, 16383');
  });

  it('treats no shards as every slot uncovered', () => {
    assert.deepEqual(uncoveredSlots([]), [[0, 16383]]);
  });

  it('orders shards by their first slot and drops shards without slots', () => {
    const ordered = orderShards([shard('b', [9000, 16383], [10, 20]), shard('c'), shard('a', [0, 9])]);
    assert.deepEqual(
      ordered.map((s) => [s.master.id, s.slots]),
      [
        ['a', [[0, 9]]],
        [
          'b',
          [
            [10, 20],
            [9000, 16383],
          ],
        ],
      ],
    );
  });
});
