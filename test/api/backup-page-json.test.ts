/**
 * The listing writes its body with backupPageJson instead of Fastify's schema serialiser: the bytes must be the
 * ones the schema serialiser wrote for backupPageToWire(page) before, for any record the store can hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import type { BackupRecord } from '../../src/core/backup-record.ts';
import type { BackupPage } from '../../src/core/ports.ts';
import { backupPageJson, recordJson } from '../../src/api/wire/backup-page-json.ts';
import { backupPageToWire, backupPageWireSchema } from '../../src/api/wire/backup-record-wire.ts';
import { backupsPath, buildTestApp } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

/** The listing's former answer: the wire objects through the route's response schema, by Fastify itself. */
async function schemaSerialiser(): Promise<{
  bytes(page: BackupPage): Promise<Buffer>;
  close(): Promise<void>;
}> {
  let current: BackupPage = { total: 0, records: [] };
  const app = Fastify();
  app.get('/', { schema: { response: { 200: backupPageWireSchema } } }, async () =>
    backupPageToWire(current),
  );
  await app.ready();
  return {
    async bytes(page) {
      current = page;
      const response = await app.inject({ method: 'GET', url: '/' });
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      return response.rawPayload;
    },
    close: () => app.close(),
  };
}

// Any UTF-16 code units: quotes, backslashes, control characters, lone and paired surrogates, U+2028.
const anyText = fc.oneof(
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 })
    .map((units) => String.fromCharCode(...units)),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('', '"', '\\', '\u2028\u2029', '😀', 'nightly backup before the release'),
);
const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });
const epochMs = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });

const anyRecord: fc.Arbitrary<BackupRecord> = fc.record({
  id: anyText,
  instanceId: anyText,
  name: anyText,
  type: anyText,
  format: anyText,
  status: anyText,
  remark: maybe(anyText),
  period: maybe(anyText),
  errorCode: maybe(anyText),
  sizeBytes: fc.oneof(
    fc.maxSafeNat(),
    fc.integer(),
    fc.double({ min: -1e22, max: 1e22, noNaN: true }),
    fc.constantFrom(-0, 1e21, 2 ** 53 + 2),
  ),
  progressHundredths: fc.oneof(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: -2_000_000, max: 2_000_000 }),
    fc.double({ min: -1e7, max: 1e7, noNaN: true }),
    fc.maxSafeNat(),
    fc.constantFrom(-0, 0.5, 1_000_000, 1_000_001, 2 ** 31 * 100, 1e23),
  ),
  restorable: fc.boolean(),
  createdAt: epochMs,
  updatedAt: maybe(epochMs),
  executionAt: maybe(epochMs),
}) as fc.Arbitrary<BackupRecord>;

describe('the listing body', () => {
  let reference: Awaited<ReturnType<typeof schemaSerialiser>>;
  let opened: OpenedStore;
  let app: FastifyInstance;
  const instance = makeInstance({ projectId: 'project-a' });

  before(async () => {
    reference = await schemaSerialiser();
    opened = await STORE_KINDS[0]!.open();
    app = await buildTestApp(opened.store);
    await opened.store.instances.insert(instance);
    for (let i = 0; i < 30; i++) {
      await opened.store.backups.insert(
        makeBackup(instance.id, Date.UTC(2025, 0, 1) + i * 3_600_007, {
          remark: i % 3 === 0 ? `nightly "run" ${i}\\ é ✓` : null,
          updatedAt: i % 5 === 0 ? null : Date.UTC(2025, 0, 1) + i * 3_600_007 + 61_234,
          progressHundredths: (i * 337) % 10_001,
        }),
      );
    }
  });

  after(async () => {
    await app.close();
    await reference.close();
    await opened.dispose();
  });

  it('is byte for byte what the schema serialiser writes, for any records', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRecord, { maxLength: 8 }), fc.maxSafeNat(), async (records, total) => {
        const page = { total, records };
        const ours = backupPageJson(page);
        const theirs = await reference.bytes(page);
        assert.ok(ours.equals(theirs), `ours:   ${ours.toString()}\ntheirs: ${theirs.toString()}`);
      }),
      { numRuns: 300 },
    );
  });

  it('is the same for an empty page and for pages of many chunks, with text of one, two and three bytes', async () => {
    const long = makeBackup(instance.id, 0, { remark: '\u0001'.repeat(5_000), name: '€'.repeat(2_000) });
    const spread = (i: number) => Date.UTC(2025, 0, 1) + ((i * 7_919) % 30) * 86_400_000 + i * 1_001;
    const thousand = Array.from({ length: 1_000 }, (_, i) =>
      makeBackup(instance.id, spread(i), {
        remark: i % 3 === 0 ? `nightly ${i} é ✓ 😀 "quoted"` : null,
        progressHundredths: (i * 337) % 10_001,
      }),
    );
    for (const page of [
      { total: 0, records: [] },
      { total: 1, records: [long, long, long] },
      { total: 5_000, records: thousand },
      { total: 1_000, records: [...thousand.slice(0, 200), long, ...thousand.slice(200, 400)] },
    ]) {
      assert.ok(backupPageJson(page).equals(await reference.bytes(page)), `${page.records.length} records`);
    }
  });

  it('is recordJson of each record, joined with commas', () => {
    fc.assert(
      fc.property(fc.array(anyRecord, { maxLength: 5 }), fc.maxSafeNat(), (records, total) => {
        const page = { total, records };
        const joined = `{"total_num":${total},"backup_record_response":[${records.map(recordJson).join(',')}]}`;
        assert.ok(backupPageJson(page).equals(Buffer.from(joined)));
      }),
      { numRuns: 200 },
    );
  });

  it('is what the route answers, with the JSON content type and length', async () => {
    for (const query of ['', 'limit=1000', 'limit=7&offset=11', 'begin_time=20250101050000&limit=3']) {
      const response = await app.inject({ method: 'GET', url: backupsPath('project-a', instance.id, query) });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(Number(response.headers['content-length']), response.rawPayload.length);
      const page = await opened.store.backups.list({
        instanceId: instance.id,
        ...(query.startsWith('begin') ? { createdFrom: Date.UTC(2025, 0, 1, 5), limit: 3 } : {}),
        limit: query === 'limit=1000' ? 1000 : query.startsWith('limit=7') ? 7 : query ? 3 : 10,
        offset: query.startsWith('limit=7') ? 11 : 0,
      });
      assert.ok(page.records.length > 0, query);
      assert.ok(response.rawPayload.equals(await reference.bytes(page)), query);
    }
  });

  it('keeps the DCS error body for a refused query', async () => {
    const response = await app.inject({
      method: 'GET',
      url: backupsPath('project-a', instance.id, 'limit=0'),
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error_code, 'DCS.4800');
  });
});
