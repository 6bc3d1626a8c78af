import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { BackupListingSnapshot } from '../../src/api/backup-listing-snapshot.ts';
import { backupPageJson } from '../../src/api/wire/backup-page-json.ts';
import {
  BACKUP_FORMATS,
  BACKUP_STATUSES,
  BACKUP_TYPES,
  type BackupRecord,
} from '../../src/core/backup-record.ts';
import type { BackupQuery, MetadataStore } from '../../src/core/ports.ts';
import {
  type InstanceRecords,
  readInstanceRecords,
  TOO_MANY_RECORDS,
} from '../../src/core/use-cases/read-instance-records.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const BASE = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const RECORDS = 90;
/** Creation times fall on this many minutes, so many records share one and the id breaks the tie. */
const MINUTES = 40;

// Remarks that take each of the writer's paths: plain, escaped, multi-byte (the offsets are in bytes).
const REMARKS = [null, 'nightly', 'say "hi"\\\n', 'löschen – 備份 🗄', '\u2028\u0001'];

/** A deterministic mix of every status, type, format and remark, on a few shared creation times. */
function recordsOf(instanceId: string): BackupRecord[] {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  return Array.from({ length: RECORDS }, () => {
    const createdAt = BASE + next(MINUTES) * MINUTE;
    const status = BACKUP_STATUSES[next(BACKUP_STATUSES.length)]!;
    return makeBackup(instanceId, createdAt, {
      status,
      type: BACKUP_TYPES[next(BACKUP_TYPES.length)]!,
      format: BACKUP_FORMATS[next(BACKUP_FORMATS.length)]!,
      remark: REMARKS[next(REMARKS.length)]!,
      updatedAt: next(3) === 0 ? null : createdAt + 1_234,
      executionAt: next(3) === 0 ? null : createdAt,
      progressHundredths: next(10_001),
      errorCode: status === 'failed' ? 'dcs.08.0002' : null,
      sizeBytes: next(2 ** 30),
    });
  });
}

const subset = <T>(values: readonly T[]) =>
  fc.option(fc.subarray([...values], { minLength: 1 }), { nil: undefined });

/** Any query the API can ask, windows ending on and between the records' minutes. */
const queries = (instanceId: string) =>
  fc
    .record({
      from: fc.option(fc.integer({ min: -2, max: MINUTES + 2 }), { nil: undefined }),
      span: fc.option(fc.integer({ min: 0, max: MINUTES + 4 }), { nil: undefined }),
      halfMinute: fc.boolean(),
      statuses: subset(BACKUP_STATUSES),
      types: subset(BACKUP_TYPES),
      formats: subset(BACKUP_FORMATS),
      limit: fc.integer({ min: 1, max: 1000 }),
      offset: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: RECORDS + 5 })),
    })
    .map(({ from, span, halfMinute, statuses, types, formats, limit, offset }) => {
      const query: BackupQuery = { instanceId, limit, offset };
      const shift = halfMinute ? MINUTE / 2 : 0;
      if (from !== undefined) query.createdFrom = BASE + from * MINUTE + shift;
      if (span !== undefined) query.createdBefore = (query.createdFrom ?? BASE) + span * MINUTE;
      if (statuses) query.statuses = statuses;
      if (types) query.types = types;
      if (formats) query.formats = formats;
      return query;
    });

for (const kind of STORE_KINDS) {
  describe(`an instance's listing snapshot (${kind.name})`, () => {
    let opened: OpenedStore;
    let store: MetadataStore;
    const instance = makeInstance();
    const other = makeInstance();
    const empty = makeInstance();

    before(async () => {
      opened = await kind.open();
      store = opened.store;
      for (const each of [instance, other, empty]) await store.instances.insert(each);
      await store.backups.insertMany(recordsOf(instance.id));
      // Another instance's records on the same minutes: none may show in the first one's snapshot.
      await store.backups.insertMany(recordsOf(other.id).slice(0, 20));
    });

    after(() => opened.dispose());

    it('answers every query with the bytes the database page gives', async () => {
      // Small chunks, so the snapshot is read in many parts.
      const loaded = whole(await readInstanceRecords(store, instance.id, { chunk: 7 }));
      assert.equal(loaded.records.length, RECORDS);
      const snapshot = await BackupListingSnapshot.rendering(loaded.records);
      await fc.assert(
        fc.asyncProperty(queries(instance.id), async (query) => {
          const expected = backupPageJson(await store.backups.list(query));
          assert.equal(snapshot.page(query).toString(), expected.toString(), JSON.stringify(query));
        }),
        { numRuns: 400 },
      );
    });

    it('answers an instance without records as the database does', async () => {
      assert.deepEqual(whole(await readInstanceRecords(store, empty.id)).records, []);
      const snapshot = BackupListingSnapshot.of([]);
      for (const query of [
        { instanceId: empty.id, limit: 10, offset: 0 },
        { instanceId: empty.id, limit: 10, offset: 3, statuses: ['succeed' as const] },
        { instanceId: empty.id, limit: 1, offset: 0, createdFrom: BASE, createdBefore: BASE + MINUTE },
      ]) {
        assert.equal(
          snapshot.page(query).toString(),
          backupPageJson(await store.backups.list(query)).toString(),
        );
      }
    });

    it('reads nothing it cannot vouch for: a write between two chunks discards the read', async () => {
      const writing: MetadataStore = {
        ...store,
        backups: {
          ...store.backups,
          list: async (query) => {
            // Another process commits a record while the chunks are read.
            if (query.offset === 14) await store.backups.insertMany([makeBackup(instance.id, BASE)]);
            return store.backups.list(query);
          },
        },
      } as MetadataStore;
      assert.equal(await readInstanceRecords(writing, instance.id, { chunk: 7 }), undefined);
      const again = whole(await readInstanceRecords(store, instance.id, { chunk: 7 }));
      assert.equal(again.records.length, RECORDS + 1);
      assert.equal(again.version, (await store.instances.listingVersion(instance.id))?.version);
    });

    it('stops at the first chunk that shows more records than it may read', async () => {
      const offsets: number[] = [];
      const counting: MetadataStore = {
        ...store,
        backups: {
          ...store.backups,
          list: (query) => {
            offsets.push(query.offset);
            return store.backups.list(query);
          },
        },
      } as MetadataStore;
      const count = (await store.backups.list({ instanceId: instance.id, limit: 1, offset: 0 })).total;
      assert.equal(
        await readInstanceRecords(counting, instance.id, { chunk: 7, maxRecords: count - 1 }),
        TOO_MANY_RECORDS,
      );
      assert.deepEqual(offsets, [0]);
      const exactly = whole(await readInstanceRecords(store, instance.id, { chunk: 7, maxRecords: count }));
      assert.equal(exactly.records.length, count);
    });

    it('reads nothing for an instance that is gone', async () => {
      assert.equal(await readInstanceRecords(store, makeInstance().id), undefined);
    });
  });
}

describe('a listing snapshot', () => {
  it('refuses records out of the listing order', () => {
    const instance = makeInstance();
    assert.throws(
      () => BackupListingSnapshot.of([makeBackup(instance.id, BASE), makeBackup(instance.id, BASE + 1)]),
      /newest first/,
    );
  });
});

/** The records read, failing the test unless the read gave them all. */
function whole(read: InstanceRecords | typeof TOO_MANY_RECORDS | undefined): InstanceRecords {
  assert.ok(read !== undefined && read !== TOO_MANY_RECORDS, `not read whole: ${String(read)}`);
  return read;
}
