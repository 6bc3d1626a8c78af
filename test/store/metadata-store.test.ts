import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database as Schema } from '../../src/store/schema.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, TEST_SECRETS, type OpenedStore } from '../support/stores.ts';

for (const kind of STORE_KINDS) {
  describe(`metadata store contract on ${kind.name}`, () => {
    let opened: OpenedStore;

    before(async () => {
      opened = await kind.open();
    });

    after(() => opened.dispose());

    it('returns an instance exactly as inserted, secrets included (they never leave through the API)', async () => {
      const instance = makeInstance({
        endpoint: { host: 'h', port: 7000, db: 3, username: 'u', password: 'p', tls: true },
      });
      await opened.store.instances.insert(instance);
      assert.deepEqual(await opened.store.instances.findById(instance.id), instance);
      assert.equal(await opened.store.instances.findById('00000000-0000-4000-8000-000000000000'), undefined);
    });

    it('returns an instance found through Sentinel with its Sentinels, master name and their credentials', async () => {
      const instance = makeInstance({
        endpoint: { host: '10.0.0.5', port: 6379, db: 2, username: null, password: 'data-pw', tls: false },
        sentinel: {
          nodes: [
            { host: '10.0.0.7', port: 26379 },
            { host: '::1', port: 26380 },
          ],
          masterName: 'orders',
          username: 'watcher',
          password: 'sentinel-pw',
        },
      });
      await opened.store.instances.insert(instance);
      assert.deepEqual(await opened.store.instances.findById(instance.id), instance);
    });

    it('keeps which node served a backup and why', async () => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const record = makeBackup(instance.id, Date.UTC(2026, 0, 1), { status: 'backuping' });
      await opened.store.backups.insert(record);
      const servedBy = { role: 'replica' as const, address: '10.0.0.6:6379', reason: 'a healthy replica' };
      await opened.store.backups.update(record.id, { servedBy });
      assert.deepEqual((await opened.store.backups.findById(record.id))?.detail.servedBy, servedBy);
    });

    it('sets several expiries in one call, and clears one, touching only successful records', async () => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const at = Date.UTC(2026, 0, 1);
      const [a, b, c] = [0, 1, 2].map((i) => makeBackup(instance.id, at + i * 1000, { status: 'succeed' }));
      const running = makeBackup(instance.id, at + 5000, { status: 'backuping' });
      for (const record of [a!, b!, c!, running]) await opened.store.backups.insert(record);
      await opened.store.backups.setExpiries(new Map([[c!.id, at]]));
      const week = 7 * 86_400_000;
      await opened.store.backups.setExpiries(
        new Map([
          [a!.id, at + week],
          [b!.id, at + 2 * week + 1],
          [c!.id, null],
          [running.id, at],
        ]),
      );
      const expiry = async (id: string) => (await opened.store.backups.findById(id))?.detail.expiresAt;
      assert.equal(await expiry(a!.id), at + week);
      assert.equal(await expiry(b!.id), at + 2 * week + 1);
      assert.equal(await expiry(c!.id), null);
      assert.equal(await expiry(running.id), null);
    });

    it('lists instances by project, oldest first', async () => {
      const a = makeInstance({ projectId: 'list-p', createdAt: 2000 });
      const b = makeInstance({ projectId: 'list-p', createdAt: 1000 });
      await opened.store.instances.insert(a);
      await opened.store.instances.insert(b);
      assert.deepEqual(
        (await opened.store.instances.list('list-p')).map((i) => i.id),
        [b.id, a.id],
      );
      assert.ok((await opened.store.instances.list()).length >= 3);
    });

    it('returns a backup record with every field as inserted', async () => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const record = makeBackup(instance.id, Date.UTC(2024, 1, 2, 3, 4, 5, 678), {
        status: 'failed',
        type: 'auto',
        format: 'aof',
        remark: 'r',
        period: '02:00-03:00',
        errorCode: 'dcs.08.0002',
        sizeBytes: 2 ** 40,
        progressHundredths: 1234,
        restorable: false,
        updatedAt: null,
        executionAt: null,
      });
      await opened.store.backups.insert(record);
      const page = await opened.store.backups.list({ instanceId: instance.id, limit: 10, offset: 0 });
      assert.deepEqual(page, { total: 1, records: [record] });
    });

    it('inserts many records in one transaction: all or none', async () => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const many = Array.from({ length: 1200 }, (_, i) => makeBackup(instance.id, i * 1000));
      await opened.store.backups.insertMany(many);
      assert.equal(
        (await opened.store.backups.list({ instanceId: instance.id, limit: 1, offset: 0 })).total,
        1200,
      );
      // A duplicate id in the last batch rolls back the batches before it too.
      const other = makeInstance();
      await opened.store.instances.insert(other);
      const failing = Array.from({ length: 1100 }, (_, i) => makeBackup(other.id, i * 1000));
      failing.push({ ...failing[0]! });
      await assert.rejects(opened.store.backups.insertMany(failing));
      assert.equal((await opened.store.backups.list({ instanceId: other.id, limit: 1, offset: 0 })).total, 0);
    });

    it('counts records by status and drops them with their instance', async () => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      await opened.store.backups.insert(makeBackup(instance.id, 1, { status: 'succeed' }));
      await opened.store.backups.insert(makeBackup(instance.id, 2, { status: 'deleted' }));
      await opened.store.backups.insert(makeBackup(instance.id, 3, { status: 'waiting' }));
      assert.equal(await opened.store.backups.countByStatus(instance.id, ['succeed', 'waiting']), 2);
      // The newest successful one only: the deleted record (2) is newer but no good backup.
      assert.equal((await opened.store.backups.lastSucceededAt()).get(instance.id), 1);
      await opened.store.backups.insert(makeBackup(instance.id, 4, { status: 'succeed' }));
      assert.equal((await opened.store.backups.lastSucceededAt()).get(instance.id), 4);
      await opened.store.instances.delete(instance.id);
      assert.equal(await opened.store.instances.findById(instance.id), undefined);
      assert.equal(
        (await opened.store.backups.list({ instanceId: instance.id, limit: 10, offset: 0 })).total,
        0,
      );
      assert.equal((await opened.store.backups.lastSucceededAt()).has(instance.id), false);
    });

    it('is ready once migrated', async () => {
      await opened.store.checkReady();
    });
  });
}

describe('migrations', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-migrate-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('run once: reopening a database keeps its data', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    const first = await KyselyMetadataStore.open({ kind: 'sqlite', file }, TEST_SECRETS);
    const instance = makeInstance();
    await first.instances.insert(instance);
    await first.close();
    const second = await KyselyMetadataStore.open({ kind: 'sqlite', file }, TEST_SECRETS);
    assert.deepEqual(await second.instances.findById(instance.id), instance);
    await second.close();
  });

  it('a database missing a migration of this version is not ready, and the check says which', async () => {
    const file = path.join(dir, 'behind.sqlite');
    (await KyselyMetadataStore.open({ kind: 'sqlite', file }, TEST_SECRETS)).close();
    // As if another version (older, or still migrating) had left the schema one step behind.
    const raw = new Database(file);
    raw.prepare("delete from schema_migrations where name = '0010-cluster-topology'").run();
    raw.close();
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const store = KyselyMetadataStore.over(db, TEST_SECRETS);
    await assert.rejects(store.checkReady(), /migrations not applied: 0010-cluster-topology/);
    await store.close();
  });
});

describe('secrets at rest', () => {
  it('stores Redis passwords and secret keys sealed, and reads them back in clear', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-sealed-'));
    const file = path.join(dir, 'metadata.sqlite');
    try {
      const store = await KyselyMetadataStore.open({ kind: 'sqlite', file }, TEST_SECRETS);
      const instance = makeInstance({
        endpoint: { host: 'h', port: 1, db: 0, username: null, password: 'redis-pw-at-rest', tls: false },
      });
      await store.instances.insert(instance);
      const credential = {
        accessKey: 'AKATREST000000000000',
        secretKey: 'sk-at-rest-0000000000000000000000000000',
        projectId: 'p',
        role: 'operator' as const,
        description: null,
        createdAt: 1,
        revokedAt: null,
      };
      await store.credentials.insert(credential);
      assert.equal((await store.instances.findById(instance.id))?.endpoint.password, 'redis-pw-at-rest');
      assert.deepEqual(await store.credentials.find(credential.accessKey), credential);
      await store.close();
      const raw = new Database(file, { readonly: true });
      const rows = JSON.stringify([
        raw.prepare('select * from instances').all(),
        raw.prepare('select * from credentials').all(),
      ]);
      raw.close();
      assert.ok(!rows.includes('redis-pw-at-rest'), 'the Redis password is stored in clear');
      assert.ok(!rows.includes(credential.secretKey), 'the secret key is stored in clear');
      assert.match(rows, /enc:v1:/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores a Sentinel password sealed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-sealed-'));
    const file = path.join(dir, 'metadata.sqlite');
    try {
      const store = await KyselyMetadataStore.open({ kind: 'sqlite', file }, TEST_SECRETS);
      const sentinel = {
        nodes: [{ host: 'h', port: 2 }],
        masterName: 'm',
        username: null,
        password: 'sentinel-pw-at-rest',
      };
      const instance = makeInstance({ sentinel });
      await store.instances.insert(instance);
      assert.deepEqual((await store.instances.findById(instance.id))?.sentinel, sentinel);
      await store.close();
      const raw = new Database(file, { readonly: true });
      const rows = JSON.stringify(raw.prepare('select * from instances').all());
      raw.close();
      assert.ok(!rows.includes('sentinel-pw-at-rest'), 'the Sentinel password is stored in clear');
      assert.match(rows, /"sentinel_password":"enc:v1:/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
