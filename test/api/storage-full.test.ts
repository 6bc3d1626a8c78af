import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import type { Instance } from '../../src/core/instance.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import type { Database } from '../../src/store/schema.ts';
import { asAdmin, testDeps } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';
import { TEST_SECRETS } from '../support/stores.ts';

/** The app over SQLite with its log lines collected, as the service would write them. */
describe('a metadata database that cannot take writes', () => {
  let dir: string;
  let db: Kysely<Database>;
  let store: KyselyMetadataStore;
  let app: FastifyInstance;
  let lines: string[];
  const instances: Instance[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-full-'));
    db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'metadata.sqlite') });
    store = KyselyMetadataStore.over(db, TEST_SECRETS);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const deps = testDeps(store);
    app = await asAdmin(await buildApp(deps, { logger: pino({ level: 'info' }, sink) }), deps);
    for (let i = 0; i < 200; i++) {
      const instance = makeInstance({ name: `cache-${i}` });
      await store.instances.insert(instance);
      instances.push(instance);
    }
  });

  beforeEach(() => {
    lines = [];
  });

  after(async () => {
    await app.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const backups = (instance: Instance) => `/v2/${instance.projectId}/instances/${instance.id}/backups`;

  it('answers 507 DCS.5002 when SQLite is full, logs SQLITE_FULL, and goes on serving reads', async () => {
    // The database may not grow past its current size: once the free room in its pages is used, every
    // insert needs a new page and gets SQLITE_FULL.
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(db);
    let full: { statusCode: number; json(): unknown } | undefined;
    let accepted = 0;
    for (const instance of instances) {
      const response = await app.inject({ method: 'POST', url: backups(instance), payload: {} });
      if (response.statusCode !== 200) {
        full = response;
        break;
      }
      accepted++;
    }
    assert.ok(full, `all ${accepted} inserts fitted: the database never filled up`);
    assert.equal(full.statusCode, 507);
    assert.deepEqual(full.json(), {
      error_code: 'DCS.5002',
      error_msg: 'The service storage is full: the change was not saved.',
      error_ext_msg: null,
    });
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; cause?: string });
    const line = logged.find((l) => l.level === 50);
    assert.ok(line, lines.join('\n'));
    assert.equal(line.cause, 'SQLITE_FULL');
    assert.match(line.msg, /SQLITE_FULL/);
    assert.ok(!lines.some((l) => l.includes('cannot rollback')), 'the original error is not hidden');

    const listing = await app.inject({ method: 'GET', url: `${backups(instances[0]!)}?limit=10` });
    assert.equal(listing.statusCode, 200);
    assert.equal(listing.json().total_num, 1);
    await sql.raw('pragma max_page_count = 1073741823').execute(db);
  });

  it('answers 503 DCS.5003 when the database is read-only, logs SQLITE_READONLY, and serves reads', async () => {
    await sql.raw('pragma query_only = on').execute(db);
    try {
      const instance = instances.at(-1)!;
      const response = await app.inject({ method: 'POST', url: backups(instance), payload: {} });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().error_code, 'DCS.5003');
      assert.ok(
        lines.some((l) => /"cause":"SQLITE_READONLY/.test(l)),
        lines.join('\n'),
      );
      const listing = await app.inject({ method: 'GET', url: backups(instance) });
      assert.equal(listing.statusCode, 200);
    } finally {
      await sql.raw('pragma query_only = off').execute(db);
    }
  });
});
