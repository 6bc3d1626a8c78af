import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import {
  type BackupFormat,
  type BackupRecord,
  type BackupStatus,
  type BackupType,
  BACKUP_FORMATS,
  BACKUP_STATUSES,
  BACKUP_TYPES,
} from '../../src/core/backup-record.ts';
import { newId } from '../../src/core/ids.ts';
import { queuedJob } from '../../src/core/job.ts';
import type { BackupQuery, RestoreQuery } from '../../src/core/ports.ts';
import { type RestoreRecord, restoreNameFor } from '../../src/core/restore-record.ts';
import { IDS_FIRST_FROM_OFFSET } from '../../src/store/backup-listing-queries.ts';
import { KyselyBackupRepository } from '../../src/store/kysely-backup-repository.ts';
import { KyselyRestoreRepository } from '../../src/store/kysely-restore-repository.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import type { Database } from '../../src/store/schema.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const BASE = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const RECORDS = 36;

// Every combination of the listing's filters, each list in several lengths and, for one length, several
// values: the listing's statements are compiled once per shape and reused with other values, so a shape that
// ignored a list's length or a value bound in the wrong place would show as a wrong page or total here.
const FROMS = [undefined, BASE + 5 * MINUTE];
const BEFORES = [undefined, BASE + 25 * MINUTE];
const STATUS_SETS: (readonly BackupStatus[] | undefined)[] = [
  undefined,
  ['succeed'],
  ['failed'],
  ['succeed', 'failed'],
  ['waiting', 'expired'],
  ['waiting', 'backuping', 'deleted'],
];
const TYPE_SETS: (readonly BackupType[] | undefined)[] = [
  undefined,
  ['auto'],
  ['manual'],
  ['manual', 'auto'],
];
const FORMAT_SETS: (readonly BackupFormat[] | undefined)[] = [undefined, ['aof'], ['rdb', 'aof']];
const PAGES = [
  { limit: 5, offset: 0 },
  { limit: 4, offset: 3 },
  { limit: 10, offset: 30 },
  // From IDS_FIRST_FROM_OFFSET on, PostgreSQL reads the page's ids first.
  { limit: 3, offset: IDS_FIRST_FROM_OFFSET },
  { limit: 10, offset: IDS_FIRST_FROM_OFFSET + 1 },
  { limit: 10, offset: RECORDS }, // past the end of everything
  { limit: 1, offset: 1_000 },
];

for (const kind of STORE_KINDS) {
  describe(`listings compiled once per shape (${kind.name})`, () => {
    let opened: OpenedStore;
    let db: Kysely<Database>;
    const instance = makeInstance();
    const other = makeInstance();
    const backups: BackupRecord[] = [];
    const restores: RestoreRecord[] = [];

    before(async () => {
      opened = await kind.open();
      db = await openDatabase(opened.location);
      const { store } = opened;
      await store.instances.insert(instance);
      await store.instances.insert(other);
      for (let i = 0; i < RECORDS; i++) {
        // Pairs share a creation time, so the id breaks ties.
        backups.push(
          makeBackup(instance.id, BASE + Math.floor(i / 2) * 2 * MINUTE, {
            status: BACKUP_STATUSES[i % BACKUP_STATUSES.length]!,
            type: BACKUP_TYPES[i % 4 < 3 ? 0 : 1],
            format: BACKUP_FORMATS[Math.floor(i / 5) % 2]!,
          }),
        );
      }
      await store.backups.insertMany(backups);
      // The other instance's records sit in the same windows: none may show in the first one's listing.
      await store.backups.insertMany([
        makeBackup(other.id, BASE + 6 * MINUTE),
        makeBackup(other.id, BASE + 20 * MINUTE, { status: 'failed', type: 'auto', format: 'aof' }),
      ]);
      for (let i = 0; i < 12; i++) {
        restores.push(await insertRestore(opened, instance.id, BASE + Math.floor(i / 2) * 4 * MINUTE));
      }
      await insertRestore(opened, other.id, BASE + 8 * MINUTE);
    });

    after(async () => {
      await db.destroy();
      await opened.dispose();
    });

    it('gives every filter combination the same page and total as the records say and a fresh query gives', async () => {
      let checked = 0;
      for (const page of PAGES)
        for (const createdFrom of FROMS)
          for (const createdBefore of BEFORES)
            for (const statuses of STATUS_SETS)
              for (const types of TYPE_SETS)
                for (const formats of FORMAT_SETS) {
                  const query: BackupQuery = windowed(instance.id, page, createdFrom, createdBefore);
                  if (statuses) query.statuses = statuses;
                  if (types) query.types = types;
                  if (formats) query.formats = formats;
                  const expected = expectedPage(backups, query);
                  const reused = await opened.store.backups.list(query);
                  const fresh = await new KyselyBackupRepository(db).list(query);
                  const what = JSON.stringify(query);
                  assert.equal(reused.total, expected.total, what);
                  assert.deepEqual(ids(reused.records), ids(expected.records), what);
                  assert.deepEqual(reused, fresh, what);
                  checked++;
                }
      assert.equal(checked, 2016);
    });

    it('answers an empty window, an unknown instance and a page past the end with the right total', async () => {
      const empty = { instanceId: instance.id, limit: 10, offset: 0, createdBefore: BASE };
      assert.deepEqual(await opened.store.backups.list(empty), { total: 0, records: [] });
      assert.deepEqual(await opened.store.backups.list({ instanceId: newId(), limit: 10, offset: 0 }), {
        total: 0,
        records: [],
      });
      assert.deepEqual(
        await opened.store.backups.list({ instanceId: instance.id, limit: 10, offset: RECORDS }),
        { total: RECORDS, records: [] },
      );
      assert.deepEqual(
        await opened.store.restores.list({
          instanceId: instance.id,
          limit: 10,
          offset: 0,
          createdBefore: BASE,
        }),
        { total: 0, records: [] },
      );
    });

    it('gives every restore window the same page and total as the records say and a fresh query gives', async () => {
      for (const page of PAGES)
        for (const createdFrom of FROMS)
          for (const createdBefore of BEFORES) {
            const query: RestoreQuery = windowed(instance.id, page, createdFrom, createdBefore);
            const matching = restores.filter((record) => inWindow(record.createdAt, query));
            const expected = newestFirst(matching).slice(query.offset, query.offset + query.limit);
            const reused = await opened.store.restores.list(query);
            const fresh = await new KyselyRestoreRepository(db).list(query);
            const what = JSON.stringify(query);
            assert.equal(reused.total, matching.length, what);
            assert.deepEqual(ids(reused.records), ids(expected), what);
            assert.deepEqual(reused, fresh, what);
          }
    });
  });
}

function expectedPage(records: readonly BackupRecord[], query: BackupQuery) {
  const matching = records.filter(
    (record) =>
      inWindow(record.createdAt, query) &&
      (query.statuses?.includes(record.status) ?? true) &&
      (query.types?.includes(record.type) ?? true) &&
      (query.formats?.includes(record.format) ?? true),
  );
  return {
    total: matching.length,
    records: newestFirst(matching).slice(query.offset, query.offset + query.limit),
  };
}

/** A query for one of the instance's pages, with whichever ends of the window are set. */
function windowed(
  instanceId: string,
  page: { limit: number; offset: number },
  createdFrom: number | undefined,
  createdBefore: number | undefined,
) {
  return {
    instanceId,
    ...page,
    ...(createdFrom !== undefined ? { createdFrom } : {}),
    ...(createdBefore !== undefined ? { createdBefore } : {}),
  };
}

function inWindow(createdAt: number, query: { createdFrom?: number; createdBefore?: number }): boolean {
  return (
    (query.createdFrom === undefined || createdAt >= query.createdFrom) &&
    (query.createdBefore === undefined || createdAt < query.createdBefore)
  );
}

function newestFirst<T extends { createdAt: number; id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

const ids = (records: readonly { id: string }[]) => records.map((record) => record.id);

/** A restore record created at `createdAt`, its job finished so the next one can be queued. */
async function insertRestore(opened: OpenedStore, instanceId: string, createdAt: number) {
  const record: RestoreRecord = {
    id: newId(),
    instanceId,
    backupId: newId(),
    backupName: 'backup_20260101000000',
    backupRemark: null,
    name: restoreNameFor(createdAt),
    remark: null,
    status: 'waiting',
    progressHundredths: 0,
    errorCode: null,
    createdAt,
    updatedAt: null,
  };
  const detail = { sourceInstanceId: instanceId, errorMessage: null, startedAt: null, report: null };
  await opened.store.restores.insertQueued(
    { record, detail },
    queuedJob('restore', instanceId, record.id, createdAt),
  );
  assert.equal(
    await opened.store.restores.transition(record.id, ['waiting'], 'failed', { updatedAt: createdAt }),
    true,
  );
  return record;
}
