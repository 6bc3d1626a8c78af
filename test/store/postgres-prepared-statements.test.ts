/**
 * On PostgreSQL the store names its parameterised statements, so each connection prepares them once. Checked
 * here: the answers stay the same, and a SELECT * prepared before a migration added a column fails exactly
 * once (PostgreSQL refuses a cached plan whose result type changed: the failure shows the statement was
 * prepared), then runs unprepared on every connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { POSTGRES_SKIP } from '../support/postgres.ts';
import pg from 'pg';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { TEST_SECRETS } from '../support/stores.ts';

describe('prepared statements on PostgreSQL', { skip: POSTGRES_SKIP }, () => {
  let database: TestDatabase;
  let store: KyselyMetadataStore;
  const instance = makeInstance();

  before(async () => {
    database = await createTestDatabase();
    store = await KyselyMetadataStore.open({ kind: 'postgres', url: database.url }, TEST_SECRETS);
    await store.instances.insert(instance);
    await store.backups.insertMany([0, 1, 2].map((i) => makeBackup(instance.id, Date.UTC(2025, 0, 1 + i))));
  });

  after(async () => {
    await store.close();
    await database.drop();
  });

  async function secondPageTotal(): Promise<number> {
    const page = await store.backups.list({ instanceId: instance.id, limit: 2, offset: 1 });
    assert.deepEqual(
      page.records.map((record) => record.createdAt),
      [Date.UTC(2025, 0, 2), Date.UTC(2025, 0, 1)],
    );
    return page.total;
  }

  it('answers the same through prepared statements, repeatedly, on every pooled connection', async () => {
    // More concurrent calls than the pool has connections, twice: first prepares, then only binds.
    for (let round = 0; round < 2; round++) {
      const totals = await Promise.all(Array.from({ length: 24 }, () => secondPageTotal()));
      assert.deepEqual(new Set(totals), new Set([3]));
    }
  });

  it('runs a SELECT * prepared before a column was added again after failing once', async () => {
    // Prepare the instance lookup (a SELECT *) on the pooled connections.
    await Promise.all(Array.from({ length: 12 }, () => store.instances.findById(instance.id)));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('ALTER TABLE instances ADD COLUMN added_by_a_newer_release integer');
    await client.end();
    let failures = 0;
    for (let i = 0; i < 30; i++) {
      try {
        assert.equal((await store.instances.findById(instance.id))?.id, instance.id);
      } catch (error) {
        assert.equal((error as { code?: string }).code, '0A000', String(error));
        failures++;
      }
    }
    // Every pooled connection had it prepared; the first failure stops the naming for all of them.
    assert.equal(failures, 1);
    const concurrent = await Promise.all(
      Array.from({ length: 12 }, () => store.instances.findById(instance.id)),
    );
    assert.ok(concurrent.every((found) => found?.id === instance.id));
  });
});
