import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PARAMETERS = [
  'begin_time',
  'end_time',
  'beginTime',
  'endTime',
  'limit',
  'offset',
  'status',
  'backup_type',
  'backup_format',
];

/** Any response is either a 200 listing or a DCS-shaped 4xx; a 5xx or a stack trace fails. */
function assertWellFormed(status: number, body: string, headers: Record<string, unknown>): void {
  assert.ok(status < 500, `status ${status}: ${body}`);
  assert.ok(headers['x-request-id'], 'X-Request-Id missing');
  const parsed = JSON.parse(body);
  if (status === 200) {
    assert.equal(typeof parsed.total_num, 'number');
    assert.ok(Array.isArray(parsed.backup_record_response));
  } else {
    assert.match(parsed.error_code, /^DCS\.\d{4}$/);
    assert.equal(typeof parsed.error_msg, 'string');
    assert.equal(parsed.error_ext_msg, null);
    assert.doesNotMatch(body, /at .*\.(ts|js):\d+/);
  }
}

// Arbitrary text, including characters that need percent-encoding and strings that look almost valid.
const nearlyValid = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.stringMatching(/^\d{0,16}$/),
  fc.integer({ min: -5, max: 5000 }).map(String),
  fc.constantFrom('20240310120000', '20240230120000', '99991231235959', 'succeed,failed', 'auto', 'rdb', ''),
);

for (const kind of STORE_KINDS) {
  describe(`arbitrary input to ListBackupRecords on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;
    const instance = makeInstance();

    before(async () => {
      opened = await kind.open();
      app = await buildTestApp(opened.store);
      await opened.store.instances.insert(instance);
      for (let i = 0; i < 5; i++)
        await opened.store.backups.insert(makeBackup(instance.id, Date.UTC(2024, 0, 1, i)));
    });

    after(async () => {
      await app.close();
      await opened.dispose();
    });

    it('never answers 5xx to arbitrary query parameters', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom(...PARAMETERS), nearlyValid, { maxKeys: 5 }),
          async (query) => {
            const search = new URLSearchParams(query).toString();
            const response = await app.inject({
              method: 'GET',
              url: `/v2/project-a/instances/${instance.id}/backups?${search}`,
            });
            assertWellFormed(response.statusCode, response.body, response.headers);
          },
        ),
        { numRuns: kind.name === 'sqlite' ? 400 : 150 },
      );
    });

    it('never answers 5xx to arbitrary path segments and raw query strings', async () => {
      const segment = fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.constant(instance.id),
        fc.constant('project-a'),
      );
      await fc.assert(
        fc.asyncProperty(segment, segment, fc.string(), async (project, instanceId, rawQuery) => {
          const url =
            `/v2/${encodeURIComponent(project)}/instances/${encodeURIComponent(instanceId)}/backups?` +
            rawQuery.replace(/[#\s]/g, '');
          const response = await app.inject({ method: 'GET', url });
          assertWellFormed(response.statusCode, response.body, response.headers);
        }),
        { numRuns: kind.name === 'sqlite' ? 400 : 150 },
      );
    });

    it('never answers 5xx to raw, unencoded path text', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary' }), async (raw) => {
          const text = raw.replace(/[\s#?]/g, '');
          const response = await app.inject({ method: 'GET', url: `/v2/${text}/instances/${text}/backups` });
          assertWellFormed(response.statusCode, response.body, response.headers);
        }),
        { numRuns: 200 },
      );
    });
  });
}
