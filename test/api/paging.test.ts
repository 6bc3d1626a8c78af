import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { BACKUP_STATUSES, type BackupRecord } from '../../src/core/backup-record.ts';
import { formatCompactUtc } from '../../src/core/time-format.ts';
import { backupsPath, buildTestApp, getJson } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const BASE = Date.UTC(2024, 0, 1);

// Creation times drawn from a small range of seconds (plus milliseconds), so equal timestamps are common.
const dataset = fc.array(
  fc.record({
    second: fc.integer({ min: 0, max: 15 }),
    millis: fc.constantFrom(0, 0, 0, 999),
    status: fc.constantFrom(...BACKUP_STATUSES),
  }),
  { maxLength: 60 },
);

const window = fc.option(
  fc
    .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }))
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)]),
);

for (const kind of STORE_KINDS) {
  describe(`paging on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;

    before(async () => {
      opened = await kind.open();
      app = await buildTestApp(opened.store);
    });

    after(async () => {
      await app.close();
      await opened.dispose();
    });

    it('walks every matching record exactly once, in order, and total_num counts them', async () => {
      await fc.assert(
        fc.asyncProperty(
          dataset,
          fc.integer({ min: 1, max: 25 }),
          window,
          fc.option(fc.subarray([...BACKUP_STATUSES], { minLength: 1 })),
          async (rows, limit, span, statuses) => {
            const instance = makeInstance();
            await opened.store.instances.insert(instance);
            const records: BackupRecord[] = rows.map((r) =>
              makeBackup(instance.id, BASE + r.second * 1000 + r.millis, { status: r.status }),
            );
            for (const record of records) await opened.store.backups.insert(record);

            const params = new URLSearchParams({ limit: String(limit) });
            if (span) {
              params.set('begin_time', formatCompactUtc(BASE + span[0]! * 1000));
              params.set('end_time', formatCompactUtc(BASE + span[1]! * 1000));
            }
            if (statuses) params.set('status', statuses.join(','));
            const expected = records
              .filter(
                (r) =>
                  !span ||
                  (r.createdAt >= BASE + span[0]! * 1000 && r.createdAt < BASE + (span[1]! + 1) * 1000),
              )
              .filter((r) => !statuses || statuses.includes(r.status))
              .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
              .map((r) => r.id);

            const seen: string[] = [];
            for (let offset = 0; ; offset += limit) {
              params.set('offset', String(offset));
              const { status, body } = await getJson(
                app,
                backupsPath(instance.projectId, instance.id, params.toString()),
              );
              assert.equal(status, 200);
              assert.equal(body.total_num, expected.length);
              assert.ok(body.backup_record_response.length <= limit);
              seen.push(...body.backup_record_response.map((r: { backup_id: string }) => r.backup_id));
              if (offset + limit >= body.total_num) break;
            }
            assert.deepEqual(seen, expected);
          },
        ),
        { numRuns: kind.name === 'sqlite' ? 60 : 30 },
      );
    });
  });
}
