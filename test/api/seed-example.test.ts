import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { backupsPath, buildTestApp, getJson } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

// The example response of the "Listing DCS Instance Backup Records" page, with the execution_at and
// backup_format fields the SDK documents, and null where the page renders an absent value as {}.
const SEED_RESPONSE = {
  total_num: 1,
  backup_record_response: [
    {
      period: null,
      backup_type: 'manual',
      created_at: '2019-05-10T08:31:16.166Z',
      remark: '001',
      is_support_restore: 'TRUE',
      backup_id: '4631832a-14c6-45b0-a0b3-3abd8f591ad1',
      backup_name: 'backup_20190510163116',
      instance_id: '5560df16-cebf-4473-95c4-d1b573c16e79',
      size: 880232,
      updated_at: '2019-05-10T08:32:30.546Z',
      progress: '100.00',
      error_code: null,
      status: 'succeed',
      execution_at: '2019-05-11T08:31:16.166Z',
      backup_format: 'aof',
    },
  ],
};

for (const kind of STORE_KINDS) {
  describe(`the documented example on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;

    before(async () => {
      opened = await kind.open();
      app = await buildTestApp(opened.store);
      await opened.store.instances.insert(
        makeInstance({
          id: '5560df16-cebf-4473-95c4-d1b573c16e79',
          projectId: '0123456789abcdef0123456789abcdef',
        }),
      );
      await opened.store.backups.insert({
        id: '4631832a-14c6-45b0-a0b3-3abd8f591ad1',
        instanceId: '5560df16-cebf-4473-95c4-d1b573c16e79',
        name: 'backup_20190510163116',
        type: 'manual',
        format: 'aof',
        status: 'succeed',
        remark: '001',
        period: null,
        errorCode: null,
        sizeBytes: 880232,
        progressHundredths: 10_000,
        restorable: true,
        createdAt: Date.parse('2019-05-10T08:31:16.166Z'),
        updatedAt: Date.parse('2019-05-10T08:32:30.546Z'),
        executionAt: Date.parse('2019-05-11T08:31:16.166Z'),
      });
    });

    after(async () => {
      await app.close();
      await opened.dispose();
    });

    it('stores the example record and answers the example response, as sent by the SDK', async () => {
      const { status, body } = await getJson(
        app,
        backupsPath(
          '0123456789abcdef0123456789abcdef',
          '5560df16-cebf-4473-95c4-d1b573c16e79',
          'begin_time=20190501000000&end_time=20190601000000&limit=10&offset=0',
        ),
      );
      assert.equal(status, 200);
      assert.deepEqual(body, SEED_RESPONSE);
    });

    it('answers the same to the mixed-case example URL of the page', async () => {
      const { body } = await getJson(
        app,
        backupsPath(
          '0123456789abcdef0123456789abcdef',
          '5560df16-cebf-4473-95c4-d1b573c16e79',
          'offset=0&limit=10&beginTime=20190501000000&end_time=20190601000000',
        ),
      );
      assert.deepEqual(body, SEED_RESPONSE);
    });
  });
}
