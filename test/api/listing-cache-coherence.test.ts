import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../src/core/ids.ts';
import { queuedJob } from '../../src/core/job.ts';
import { restoreNameFor, type StoredRestore } from '../../src/core/restore-record.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { buildApp } from '../../src/api/app.ts';
import { BackupListingIndex } from '../../src/api/backup-listing-index.ts';
import type { BackupQuery, MetadataStore } from '../../src/core/ports.ts';
import { readInstanceRecords } from '../../src/core/use-cases/read-instance-records.ts';
import { asAdmin, backupsPath, buildTestApp, getJson, testDeps } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, TEST_SECRETS, type OpenedStore } from '../support/stores.ts';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

/** The index, counting the pages it answered (so a test knows a listing came from it). */
class CountingIndex extends BackupListingIndex {
  answered = 0;
  override page(query: BackupQuery, version: string): Buffer | undefined {
    const body = super.page(query, version);
    if (body !== undefined) this.answered++;
    return body;
  }
}

/** How a service keeps listings: its response cache, or (with no cache) its whole-listing index. */
const KEEPERS = [
  { name: 'listing cache', build: (store: MetadataStore) => buildTestApp(store), index: undefined },
  {
    name: 'whole-listing index',
    index: (store: MetadataStore) =>
      new CountingIndex({
        maxBytes: 1 << 20,
        load: (instanceId, maxRecords) => readInstanceRecords(store, instanceId, { maxRecords }),
        buildAfterMisses: 1,
      }),
  },
] as const;

/**
 * Two services on one database, each with its own store (its own pool, or its own SQLite connection) and its
 * own warm listing cache or whole-listing index: whatever one writes shows in the very next listing from
 * either.
 */
for (const kind of STORE_KINDS)
  for (const keeper of KEEPERS) {
    describe(`${keeper.name} across two services on one ${kind.name} database`, () => {
      let opened: OpenedStore;
      let otherStore: KyselyMetadataStore;
      let a: FastifyInstance;
      let b: FastifyInstance;
      const indexes: CountingIndex[] = [];
      /** A service on store, keeping its listings as keeper says. */
      const serviceOn = async (store: MetadataStore) => {
        if (keeper.index === undefined) return buildTestApp(store);
        const index = keeper.index(store);
        indexes.push(index);
        const deps = { ...testDeps(store), listingCacheBytes: 0, backupListingIndex: index };
        return asAdmin(await buildApp(deps), deps);
      };
      /** Lets the indexes finish the builds the listings so far asked for. */
      const settled = () => Promise.all(indexes.map((index) => index.settled()));
      const instance = makeInstance({ projectId: 'project-a' });
      const older = makeBackup(instance.id, T0 - 3_600_000);

      before(async () => {
        opened = await kind.open();
        otherStore = await KyselyMetadataStore.open(opened.location, TEST_SECRETS);
        a = await serviceOn(opened.store);
        b = await serviceOn(otherStore);
        await opened.store.instances.insert(instance);
        await opened.store.backups.insert(older);
      });

      after(async () => {
        await a.close();
        await b.close();
        await otherStore.close();
        await opened.dispose();
      });

      const pages = ['limit=10', 'limit=1&offset=0', 'limit=10&status=succeed,backuping'];

      /** Lists from both services, each page twice (the second answer is the cached one), and checks they agree. */
      const listBoth = async () => {
        const seen: unknown[] = [];
        for (const app of [a, b]) {
          for (const query of pages) {
            const first = await getJson(app, backupsPath('project-a', instance.id, query));
            await settled();
            const answered = sum(indexes.map((index) => index.answered));
            const again = await getJson(app, backupsPath('project-a', instance.id, query));
            // With the index, the second listing came from it (the first one built it).
            if (keeper.index !== undefined) {
              assert.equal(sum(indexes.map((index) => index.answered)), answered + 1);
            }
            assert.equal(first.status, 200);
            assert.deepEqual(again.body, first.body);
            seen.push(first.body);
          }
        }
        assert.deepEqual(
          seen.slice(pages.length),
          seen.slice(0, pages.length),
          'both services answer the same',
        );
        return seen[0] as { total_num: number; backup_record_response: Record<string, unknown>[] };
      };

      const newest = async () => (await listBoth()).backup_record_response[0]!;

      it('shows a record as it is created, progresses, finishes, is deleted and expires, through either', async () => {
        assert.equal((await listBoth()).total_num, 1);

        // Created by the other service (its worker's writes go through its own store).
        const record = makeBackup(instance.id, T0, {
          status: 'waiting',
          progressHundredths: 0,
          updatedAt: null,
        });
        await otherStore.backups.insertQueued(record, queuedJob('backup', instance.id, record.id, T0));
        let listed = await listBoth();
        assert.equal(listed.total_num, 2);
        assert.equal(listed.backup_record_response[0]!.backup_id, record.id);
        assert.equal(listed.backup_record_response[0]!.status, 'waiting');

        assert.equal(await otherStore.backups.transition(record.id, ['waiting'], 'backuping'), true);
        assert.equal((await newest()).status, 'backuping');

        // Live progress is never stale: each update shows at once, on both.
        for (const hundredths of [1_250, 5_000, 9_999]) {
          await otherStore.backups.update(record.id, { progressHundredths: hundredths });
          assert.equal((await newest()).progress, (hundredths / 100).toFixed(2));
        }

        assert.equal(
          await otherStore.backups.transition(record.id, ['backuping'], 'succeed', {
            progressHundredths: 10_000,
            sizeBytes: 4096,
            updatedAt: T0 + 60_000,
            fileKey: `${record.id}.rdb`,
          }),
          true,
        );
        let top = await newest();
        assert.equal(top.status, 'succeed');
        assert.equal(top.size, 4096);

        // Expired by this service's retention, seen by the other at once.
        assert.equal(await opened.store.backups.expire(record.id), true);
        top = await newest();
        assert.equal(top.status, 'expired');
        assert.equal(top.is_support_restore, 'FALSE');

        // Deleted through this service's API.
        const deleted = await a.inject({
          method: 'DELETE',
          url: `/v2/project-a/instances/${instance.id}/backups/${older.id}`,
        });
        assert.equal(deleted.statusCode, 204, deleted.body);
        listed = await listBoth();
        assert.equal(listed.backup_record_response[1]!.status, 'deleted');
        // The filtered page no longer holds the deleted record.
        const filtered = await getJson(
          b,
          backupsPath('project-a', instance.id, 'limit=10&status=succeed,backuping'),
        );
        assert.equal(filtered.body.total_num, 0);
      });

      it('answers 404 from both once the instance is detached through one', async () => {
        await listBoth();
        const detached = await a.inject({ method: 'DELETE', url: `/admin/v1/instances/${instance.id}` });
        assert.ok(detached.statusCode < 300, detached.body);
        for (const app of [a, b]) {
          const listed = await getJson(app, backupsPath('project-a', instance.id, 'limit=10'));
          assert.equal(listed.status, 404);
          assert.equal(listed.body.error_code, 'DCS.3022');
        }
      });

      it('shows a restore as it is queued, starts and progresses, through either', async () => {
        const target = makeInstance({ projectId: 'project-a' });
        await opened.store.instances.insert(target);
        const url = `/v2/project-a/instances/${target.id}/restores?limit=10`;
        const listBoth = async () => {
          const bodies = [];
          for (const app of [a, b]) {
            const first = await getJson(app, url);
            assert.equal(first.status, 200);
            assert.deepEqual((await getJson(app, url)).body, first.body);
            bodies.push(first.body);
          }
          assert.deepEqual(bodies[1], bodies[0]);
          return bodies[0] as { total_num: number; restore_record_response: Record<string, unknown>[] };
        };
        assert.equal((await listBoth()).total_num, 0);
        const restore: StoredRestore = {
          record: {
            id: newId(),
            instanceId: target.id,
            backupId: newId(),
            backupName: 'backup_20260110120000',
            backupRemark: null,
            name: restoreNameFor(T0),
            remark: null,
            status: 'waiting',
            progressHundredths: 0,
            errorCode: null,
            createdAt: T0,
            updatedAt: null,
          },
          detail: { sourceInstanceId: target.id, errorMessage: null, startedAt: null, report: null },
        };
        await otherStore.restores.insertQueued(
          restore,
          queuedJob('restore', target.id, restore.record.id, T0),
        );
        assert.equal((await listBoth()).restore_record_response[0]!.status, 'waiting');
        assert.equal(
          await otherStore.restores.transition(restore.record.id, ['waiting'], 'restoring', {
            startedAt: T0,
          }),
          true,
        );
        await otherStore.restores.update(restore.record.id, { progressHundredths: 3_300 });
        const listed = (await listBoth()).restore_record_response[0]!;
        assert.equal(listed.status, 'restoring');
        assert.equal(listed.progress, '33.00');
      });

      it('never answers another project the cached page of an instance', async () => {
        const other = makeInstance({ projectId: 'project-a' });
        await opened.store.instances.insert(other);
        await opened.store.backups.insert(makeBackup(other.id, T0));
        assert.equal((await getJson(a, backupsPath('project-a', other.id, 'limit=10'))).status, 200);
        await settled();
        if (keeper.index !== undefined) {
          // The instance's whole listing is in the index now.
          const { version } = (await opened.store.instances.listingVersion(other.id))!;
          assert.ok(indexes[0]!.page({ instanceId: other.id, limit: 10, offset: 0 }, version));
        }
        // The cached page's query, and a window only the index could answer: neither to another project.
        for (const query of ['limit=10', 'limit=10&begin_time=20260101000000&status=succeed']) {
          const elsewhere = await getJson(a, backupsPath('project-b', other.id, query));
          assert.equal(elsewhere.status, 404);
          assert.equal(elsewhere.body.error_code, 'DCS.3022');
        }
      });
    });
  }

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
