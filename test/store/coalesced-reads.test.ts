import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/core/ids.ts';
import { CoalescedReads } from '../../src/store/coalesced-reads.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

/** A table read by key whose batch reads the caller releases one at a time. */
function heldTable(initial: Record<string, number>) {
  const table = new Map(Object.entries(initial));
  const batches: { keys: string[]; release(): void }[] = [];
  const reads = new CoalescedReads<number>(
    async (keys) => {
      // The snapshot is taken when the batch's query starts, as a database statement's would be.
      const snapshot = new Map(keys.flatMap((key) => (table.has(key) ? [[key, table.get(key)!]] : [])));
      await new Promise<void>((release) => batches.push({ keys, release }));
      return snapshot as Map<string, number>;
    },
    { maxKeys: 3 },
  );
  return { table, batches, reads };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesced reads', () => {
  it('answers reads asked while a batch runs with one query, not one each', async () => {
    const { batches, reads } = heldTable({ a: 1, b: 2, c: 3 });
    const first = reads.read('a');
    await settle();
    const waiting = [reads.read('b'), reads.read('c'), reads.read('b'), reads.read('missing')];
    await settle();
    assert.equal(batches.length, 1, 'the later reads wait for the running batch to end');
    batches[0]!.release();
    assert.equal(await first, 1);
    await settle();
    assert.equal(batches.length, 2);
    assert.deepEqual(batches[1]!.keys, ['b', 'c', 'missing'], 'one key per distinct read');
    batches[1]!.release();
    assert.deepEqual(await Promise.all(waiting), [2, 3, 2, undefined]);
  });

  it('never answers a read from a batch that started before it was asked (a committed write is seen)', async () => {
    const { table, batches, reads } = heldTable({ a: 1 });
    const before = reads.read('a');
    await settle();
    table.set('a', 2); // committed after the first batch's query started, before the next read is asked
    const afterWrite = reads.read('a');
    batches[0]!.release();
    assert.equal(await before, 1);
    await settle();
    batches[1]!.release();
    assert.equal(await afterWrite, 2, 'a read asked after the write shows it');
  });

  it('splits a long wait into batches of at most the limit, oldest first', async () => {
    const { batches, reads } = heldTable({ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4 });
    const first = reads.read('first');
    await settle();
    const rest = ['k0', 'k1', 'k2', 'k3', 'k4'].map((key) => reads.read(key));
    batches[0]!.release();
    await first;
    await settle();
    assert.deepEqual(batches[1]!.keys, ['k0', 'k1', 'k2']);
    batches[1]!.release();
    await settle();
    assert.deepEqual(batches[2]!.keys, ['k3', 'k4']);
    batches[2]!.release();
    assert.deepEqual(await Promise.all(rest), [0, 1, 2, 3, 4]);
  });

  it("with gather 'turn', answers the reads asked in one turn of the event loop with one query", async () => {
    const table = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    const batches: string[][] = [];
    // A query answered at once, as SQLite's in the calling thread: nothing is running while reads are asked.
    const reads = new CoalescedReads<number>(
      async (keys) => {
        batches.push(keys);
        return new Map(keys.flatMap((key) => (table.has(key) ? [[key, table.get(key)!] as const] : [])));
      },
      { gather: 'turn' },
    );
    const sameTurn = [reads.read('a'), reads.read('b'), reads.read('a'), reads.read('missing')];
    assert.equal(batches.length, 0, 'no query before the turn has run');
    assert.deepEqual(await Promise.all(sameTurn), [1, 2, 1, undefined]);
    assert.deepEqual(batches, [['a', 'b', 'missing']]);
    table.set('a', 3); // committed after that batch, before the next read is asked
    assert.equal(await reads.read('a'), 3, 'a read asked after the write shows it');
    assert.deepEqual(batches.at(-1), ['a']);
    assert.equal(batches.length, 2);
  });

  it('fails every read of a failed batch, and the next batch still runs', async () => {
    let fail = true;
    const reads = new CoalescedReads<number>(async (keys) => {
      if (fail) throw new Error('connection lost');
      return new Map(keys.map((key) => [key, key.length]));
    });
    await assert.rejects(reads.read('abc'), /connection lost/);
    fail = false;
    assert.equal(await reads.read('abcd'), 4);
  });
});

for (const kind of STORE_KINDS) {
  describe(`listing versions read together (${kind.name})`, () => {
    let opened: OpenedStore;
    before(async () => {
      opened = await kind.open();
    });
    after(() => opened?.dispose());

    it('gives each of many concurrent reads its own instance, project and version', async () => {
      const { store } = opened;
      const instances = Array.from({ length: 40 }, (_, i) => makeInstance({ projectId: `project-${i % 3}` }));
      for (const instance of instances) await store.instances.insert(instance);
      const bumped = instances[7]!;
      await store.backups.insert(makeBackup(bumped.id, 0));
      const missing = newId();
      const asked = [...instances.map((i) => i.id), missing, ...instances.map((i) => i.id)];
      const answers = await Promise.all(asked.map((id) => store.instances.listingVersion(id)));
      const alone: ({ version: string } | undefined)[] = [];
      for (const id of asked) alone.push(await store.instances.listingVersion(id));
      asked.forEach((id, i) => {
        const instance = instances.find((candidate) => candidate.id === id);
        assert.equal(answers[i]?.projectId, instance?.projectId, `project of ${id}`);
        assert.equal(answers[i]?.version, alone[i]?.version);
      });
      const versionOf = (id: string) => answers[asked.indexOf(id)]!.version;
      assert.notEqual(versionOf(bumped.id), versionOf(instances[8]!.id), 'the bumped instance has moved on');
    });
  });
}
