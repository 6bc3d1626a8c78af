import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackupListingIndex } from '../../src/api/backup-listing-index.ts';
import { backupPageJson } from '../../src/api/wire/backup-page-json.ts';
import type { BackupRecord } from '../../src/core/backup-record.ts';
import { type InstanceRecords, TOO_MANY_RECORDS } from '../../src/core/use-cases/read-instance-records.ts';
import { ManualClock } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';

const BASE = Date.UTC(2026, 0, 1);

/** Instances' records and versions in memory, with a count of the loads asked for. */
class FakeSource {
  readonly records = new Map<string, BackupRecord[]>();
  readonly versions = new Map<string, string>();
  loads: string[] = [];
  /** When set, a load waits for it. */
  gate: Promise<void> | undefined;
  fail = false;

  add(instanceId: string, count: number): void {
    const records = Array.from({ length: count }, (_, i) => makeBackup(instanceId, BASE - i * 1000));
    this.records.set(instanceId, records);
    this.versions.set(instanceId, '1');
  }

  /** The most records a load was allowed, per load. */
  allowed: number[] = [];

  load = async (
    instanceId: string,
    maxRecords: number,
  ): Promise<InstanceRecords | typeof TOO_MANY_RECORDS | undefined> => {
    this.loads.push(instanceId);
    this.allowed.push(maxRecords);
    await this.gate;
    if (this.fail) throw new Error('database gone');
    const records = this.records.get(instanceId);
    if (records && records.length > maxRecords) return TOO_MANY_RECORDS;
    return records && { version: this.versions.get(instanceId)!, records };
  };
}

const firstPage = (instanceId: string) => ({ instanceId, limit: 10, offset: 0 });

/** An index of 64 KB (some dozen instances of 12 records) that builds on the first miss, on a manual clock. */
function smallIndex() {
  const source = new FakeSource();
  const clock = new ManualClock(BASE);
  const index = new BackupListingIndex({
    maxBytes: 64 * 1024,
    load: source.load,
    buildAfterMisses: 1,
    clock,
    idleBeforeEviction: 60_000,
  });
  return { source, clock, index };
}

describe('the whole-listing index', () => {
  it('builds an instance after the set number of misses at one version, and answers its pages', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    source.add(id, 30);
    const index = new BackupListingIndex({ maxBytes: 1 << 20, load: source.load, buildAfterMisses: 3 });
    index.missed(id, '1');
    index.missed(id, '1');
    await index.settled();
    assert.deepEqual(source.loads, []);
    assert.equal(index.page(firstPage(id), '1'), undefined);
    index.missed(id, '1');
    await index.settled();
    assert.deepEqual(source.loads, [id]);
    const expected = backupPageJson({ total: 30, records: source.records.get(id)!.slice(0, 10) });
    assert.equal(index.page(firstPage(id), '1')?.toString(), expected.toString());
  });

  it('counts misses per version: misses spread over writes build nothing', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    source.add(id, 5);
    const index = new BackupListingIndex({ maxBytes: 1 << 20, load: source.load, buildAfterMisses: 2 });
    for (let version = 1; version <= 5; version++) index.missed(id, String(version));
    await index.settled();
    assert.deepEqual(source.loads, []);
  });

  it('never answers under another version than the one it was built under', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    source.add(id, 5);
    const index = new BackupListingIndex({ maxBytes: 1 << 20, load: source.load, buildAfterMisses: 1 });
    index.missed(id, '1');
    await index.settled();
    assert.ok(index.page(firstPage(id), '1'));
    // A write bumped the version: the snapshot is dropped, not served.
    assert.equal(index.page(firstPage(id), '2'), undefined);
    assert.equal(index.page(firstPage(id), '1'), undefined);
    assert.equal(index.size, 0);
  });

  it('keeps what the loader could vouch for only: an undefined load builds nothing', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    const index = new BackupListingIndex({ maxBytes: 1 << 20, load: source.load, buildAfterMisses: 1 });
    index.missed(id, '1'); // no records known: the load answers undefined
    await index.settled();
    assert.equal(index.size, 0);
  });

  it('loads an instance too big for its share once, then leaves it on the database', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    source.add(id, 100); // ~45 KB of JSON, over an eighth of 64 KB
    const index = new BackupListingIndex({ maxBytes: 64 * 1024, load: source.load, buildAfterMisses: 1 });
    index.missed(id, '1');
    await index.settled();
    index.missed(id, '1');
    index.missed(id, '2');
    await index.settled();
    assert.deepEqual(source.loads, [id]);
    assert.equal(index.page(firstPage(id), '1'), undefined);
  });

  it('does not read an instance whole when its records could not fit its share, and never asks again', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    // An eighth of 1 MiB holds at most 357 records of the smallest JSON (367 bytes).
    source.add(id, 400);
    const index = new BackupListingIndex({ maxBytes: 1 << 20, load: source.load, buildAfterMisses: 1 });
    index.missed(id, '1');
    await index.settled();
    assert.ok(source.allowed[0]! < 400 && source.allowed[0]! >= 357, String(source.allowed[0]));
    index.missed(id, '2');
    await index.settled();
    assert.deepEqual(source.loads, [id]);
    assert.equal(index.size, 0);
  });

  it('when full of snapshots in use, builds nothing more; a snapshot unserved for a while gives its room', async () => {
    const { source, clock, index } = smallIndex();
    // Instances of 12 records (~5 KB each) until a miss no longer starts a build.
    const held: string[] = [];
    for (;;) {
      const { id } = makeInstance();
      source.add(id, 12);
      const loads = source.loads.length;
      index.missed(id, '1');
      await index.settled();
      if (source.loads.length === loads) break;
      held.push(id);
      clock.current += 1_000;
    }
    assert.ok(held.length >= 5, `${held.length} held`);
    assert.equal(index.size, held.length);
    // Everyone keeps listing the held instances: a new one's misses build nothing, however many.
    const newcomer = makeInstance().id;
    source.add(newcomer, 12);
    for (let round = 0; round < 5; round++) {
      clock.current += 30_000;
      for (const id of held) assert.ok(index.page(firstPage(id), '1'));
      index.missed(newcomer, '1');
      await index.settled();
    }
    assert.ok(!source.loads.includes(newcomer));
    // The first held instance goes unlisted for a minute: the newcomer takes its room.
    clock.current += 30_000;
    for (const id of held.slice(1)) assert.ok(index.page(firstPage(id), '1'));
    clock.current += 30_000;
    index.missed(newcomer, '1');
    await index.settled();
    assert.ok(index.page(firstPage(newcomer), '1'));
    assert.ok(index.bytes <= 64 * 1024);
    // Whatever had to go for it was the idle one: the others are all still held.
    for (const id of held.slice(1)) assert.ok(index.page(firstPage(id), '1'));
  });

  it('does not read the instances queued while it had room once it is full of snapshots in use', async () => {
    const { source, index } = smallIndex();
    // Every instance qualifies while the index is empty, so all are queued; ~5 KB each, some 60 of them.
    let release!: () => void;
    source.gate = new Promise((resolve) => (release = resolve));
    const queued = Array.from({ length: 60 }, () => makeInstance().id);
    for (const id of queued) {
      source.add(id, 12);
      index.missed(id, '1');
    }
    release();
    await index.settled();
    assert.ok(index.size >= 5 && index.size < queued.length, `${index.size} held`);
    // The one whose read was under way when the index filled may have been read; no other was.
    assert.ok(source.loads.length <= index.size + 1, `${source.loads.length} read for ${index.size} held`);
  });

  it('keeps nothing and loads nothing with a budget of 0', async () => {
    const source = new FakeSource();
    const { id } = makeInstance();
    source.add(id, 5);
    const index = new BackupListingIndex({ maxBytes: 0, load: source.load, buildAfterMisses: 1 });
    index.missed(id, '1');
    await index.settled();
    assert.deepEqual(source.loads, []);
    assert.equal(index.page(firstPage(id), '1'), undefined);
  });

  it('builds queued instances one at a time, each once, and reports a failed build', async () => {
    const source = new FakeSource();
    const instances = [makeInstance().id, makeInstance().id, makeInstance().id];
    for (const id of instances) source.add(id, 3);
    let release!: () => void;
    source.gate = new Promise((resolve) => (release = resolve));
    const errors: unknown[] = [];
    const index = new BackupListingIndex({
      maxBytes: 1 << 20,
      load: source.load,
      buildAfterMisses: 1,
      onError: (error) => errors.push(error),
    });
    for (const id of [...instances, ...instances]) index.missed(id, '1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(source.loads, [instances[0]]); // the others wait their turn
    source.fail = true;
    release();
    await index.settled();
    // Each instance loaded once: the first one's misses during its own build queued nothing.
    assert.deepEqual(source.loads, instances);
    assert.equal(errors.length, 3);
    assert.equal(index.size, 0);
    // A later miss tries again.
    source.fail = false;
    index.missed(instances[0]!, '1');
    await index.settled();
    assert.ok(index.page(firstPage(instances[0]!), '1'));
  });

  it('on close, lets the build under way end and starts no other', async () => {
    const source = new FakeSource();
    const [a, b] = [makeInstance().id, makeInstance().id];
    source.add(a, 3);
    source.add(b, 3);
    let release!: () => void;
    source.gate = new Promise((resolve) => (release = resolve));
    const index = new BackupListingIndex({ maxBytes: 1 << 20, load: source.load, buildAfterMisses: 1 });
    index.missed(a, '1');
    index.missed(b, '1');
    const closed = index.close();
    release();
    await closed;
    assert.deepEqual(source.loads, [a]);
    index.missed(b, '1');
    await index.settled();
    assert.deepEqual(source.loads, [a]);
  });
});
