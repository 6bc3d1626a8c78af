import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { BackupRecord } from '../../src/core/backup-record.ts';
import { backupsPath, buildTestApp, getJson } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0); // 2024-03-10 12:00:00 UTC
const MINUTE = 60_000;

for (const kind of STORE_KINDS) {
  describe(`ListBackupRecords on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;
    const instance = makeInstance({ projectId: 'project-a' });
    const otherProject = makeInstance({ projectId: 'project-b' });
    const records: BackupRecord[] = [];

    before(async () => {
      opened = await kind.open();
      app = await buildTestApp(opened.store);
      await opened.store.instances.insert(instance);
      await opened.store.instances.insert(otherProject);
      // Twelve records a minute apart, then two sharing one timestamp to exercise the tie-break.
      for (let i = 0; i < 12; i++) {
        records.push(
          makeBackup(instance.id, T0 + i * MINUTE, {
            status: i === 3 ? 'failed' : i === 4 ? 'deleted' : i === 5 ? 'backuping' : 'succeed',
            type: i % 4 === 0 ? 'auto' : 'manual',
            format: i === 7 ? 'aof' : 'rdb',
            errorCode: i === 3 ? 'dcs.08.0001' : null,
            updatedAt: i === 5 ? null : T0 + i * MINUTE + 30_000,
            progressHundredths: i === 5 ? 4_250 : 10_000,
            remark: i === 1 ? 'nightly' : null,
            period: i % 4 === 0 ? '02:00-03:00' : null,
          }),
        );
      }
      records.push(makeBackup(instance.id, T0 + 20 * MINUTE), makeBackup(instance.id, T0 + 20 * MINUTE));
      for (const record of records) await opened.store.backups.insert(record);
      await opened.store.backups.insert(makeBackup(otherProject.id, T0));
    });

    after(async () => {
      await app.close();
      await opened.dispose();
    });

    const newestFirst = () =>
      [...records].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));

    it('answers the first ten records newest first, ties broken by backup_id, and the total', async () => {
      const { status, body, headers } = await getJson(app, backupsPath('project-a', instance.id));
      assert.equal(status, 200);
      assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
      assert.equal(body.total_num, 14);
      assert.deepEqual(
        body.backup_record_response.map((r: { backup_id: string }) => r.backup_id),
        newestFirst()
          .slice(0, 10)
          .map((r) => r.id),
      );
    });

    it('gives every field the DCS type', async () => {
      const { body } = await getJson(app, backupsPath('project-a', instance.id, 'limit=1000'));
      const running = body.backup_record_response.find((r: { status: string }) => r.status === 'backuping');
      assert.deepEqual(Object.keys(running).sort(), [
        'backup_format',
        'backup_id',
        'backup_name',
        'backup_type',
        'created_at',
        'error_code',
        'execution_at',
        'instance_id',
        'is_support_restore',
        'period',
        'progress',
        'remark',
        'size',
        'status',
        'updated_at',
      ]);
      assert.equal(running.progress, '42.50');
      assert.equal(running.updated_at, null);
      assert.equal(typeof running.size, 'number');
      for (const record of body.backup_record_response) {
        assert.match(record.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.match(record.progress, /^\d{1,3}\.\d{2}$/);
        assert.ok(record.is_support_restore === 'TRUE' || record.is_support_restore === 'FALSE');
        assert.ok(record.error_code === null || /^dcs\.08\.000\d$/.test(record.error_code));
        assert.ok(record.period === null || typeof record.period === 'string');
        assert.ok(record.remark === null || typeof record.remark === 'string');
        assert.match(record.backup_name, /^backup_\d{14}$/);
      }
      const failed = body.backup_record_response.find((r: { status: string }) => r.status === 'failed');
      assert.equal(failed.error_code, 'dcs.08.0001');
      const auto = body.backup_record_response.find((r: { backup_type: string }) => r.backup_type === 'auto');
      assert.equal(auto.period, '02:00-03:00');
      assert.equal(
        body.backup_record_response.find((r: { remark: string | null }) => r.remark !== null).remark,
        'nightly',
      );
    });

    it('keeps deleted records listed', async () => {
      const { body } = await getJson(app, backupsPath('project-a', instance.id, 'limit=1000'));
      assert.ok(body.backup_record_response.some((r: { status: string }) => r.status === 'deleted'));
    });

    it('includes both ends of the time window at second resolution', async () => {
      // 12:02:00 to 12:04:00 covers records 2, 3 and 4; 12:04:00.999 would still be inside.
      const { body } = await getJson(
        app,
        backupsPath('project-a', instance.id, 'begin_time=20240310120200&end_time=20240310120400'),
      );
      assert.equal(body.total_num, 3);
      assert.deepEqual(
        body.backup_record_response.map((r: { created_at: string }) => r.created_at),
        ['2024-03-10T12:04:00.000Z', '2024-03-10T12:03:00.000Z', '2024-03-10T12:02:00.000Z'],
      );
    });

    it('accepts a one-second window and the legacy beginTime/endTime names', async () => {
      const { body } = await getJson(
        app,
        backupsPath('project-a', instance.id, 'beginTime=20240310120500&endTime=20240310120500'),
      );
      assert.equal(body.total_num, 1);
      assert.equal(body.backup_record_response[0].created_at, '2024-03-10T12:05:00.000Z');
    });

    it('takes begin_time alone and end_time alone', async () => {
      const from = await getJson(app, backupsPath('project-a', instance.id, 'begin_time=20240310121000'));
      assert.equal(from.body.total_num, 4); // 12:10, 12:11 and the two at 12:20
      const until = await getJson(app, backupsPath('project-a', instance.id, 'end_time=20240310120059'));
      assert.equal(until.body.total_num, 1);
    });

    it('counts all matching records in total_num whatever the page', async () => {
      const { body } = await getJson(app, backupsPath('project-a', instance.id, 'limit=3&offset=12'));
      assert.equal(body.total_num, 14);
      assert.equal(body.backup_record_response.length, 2);
      const beyond = await getJson(app, backupsPath('project-a', instance.id, 'offset=500'));
      assert.equal(beyond.status, 200);
      assert.deepEqual(beyond.body, { total_num: 14, backup_record_response: [] });
    });

    it('filters by status, backup_type and backup_format', async () => {
      const failed = await getJson(app, backupsPath('project-a', instance.id, 'status=failed,deleted'));
      assert.equal(failed.body.total_num, 2);
      const auto = await getJson(app, backupsPath('project-a', instance.id, 'backup_type=auto'));
      assert.equal(auto.body.total_num, 3);
      assert.ok(
        auto.body.backup_record_response.every((r: { backup_type: string }) => r.backup_type === 'auto'),
      );
      const aof = await getJson(
        app,
        backupsPath('project-a', instance.id, 'backup_format=aof&status=succeed'),
      );
      assert.equal(aof.body.total_num, 1);
      assert.equal(aof.body.backup_record_response[0].backup_format, 'aof');
    });

    it('answers an empty window with 200 and an empty list', async () => {
      const { status, body } = await getJson(
        app,
        backupsPath('project-a', instance.id, 'begin_time=20300101000000'),
      );
      assert.equal(status, 200);
      assert.deepEqual(body, { total_num: 0, backup_record_response: [] });
    });

    const badQueries: [string, number, string, RegExp][] = [
      ['begin_time=2024031012', 400, 'DCS.4800', /begin_time/],
      ['begin_time=20240230120000', 400, 'DCS.4800', /begin_time/], // 30 February
      ['end_time=20241310120000', 400, 'DCS.4800', /end_time/],
      ['end_time=20240310240000', 400, 'DCS.4800', /end_time/],
      ['beginTime=x', 400, 'DCS.4800', /begin_time/],
      ['begin_time=20240310120000&beginTime=20240310120001', 400, 'DCS.4800', /begin_time/],
      ['limit=0', 400, 'DCS.4800', /limit/],
      ['limit=1001', 400, 'DCS.4800', /limit/],
      ['limit=ten', 400, 'DCS.4800', /limit/],
      ['limit=-1', 400, 'DCS.4800', /limit/],
      ['limit=1&limit=2', 400, 'DCS.4800', /limit/],
      ['offset=-1', 400, 'DCS.4800', /offset/],
      ['offset=1.5', 400, 'DCS.4800', /offset/],
      ['status=done', 400, 'DCS.4800', /status/],
      ['backup_type=weekly', 400, 'DCS.4800', /backup_type/],
      ['backup_format=json', 400, 'DCS.4800', /backup_format/],
      ['begin_time=20240310120001&end_time=20240310120000', 400, 'DCS.4025', /end time/],
    ];
    for (const [query, status, code, message] of badQueries) {
      it(`refuses ${query} with ${code}`, async () => {
        const response = await getJson(app, backupsPath('project-a', instance.id, query));
        assert.equal(response.status, status);
        assert.equal(response.body.error_code, code);
        assert.match(response.body.error_msg, message);
        assert.equal(response.body.error_ext_msg, null);
        assert.ok(response.headers['x-request-id']);
      });
    }

    it('accepts limit 1 and 1000 and offset 0', async () => {
      for (const query of ['limit=1', 'limit=1000', 'offset=0']) {
        assert.equal((await getJson(app, backupsPath('project-a', instance.id, query))).status, 200, query);
      }
    });

    it('refuses a malformed instance id with DCS.4061 and a malformed project id with DCS.4002', async () => {
      const badInstance = await getJson(app, backupsPath('project-a', 'not-a-uuid'));
      assert.equal(badInstance.status, 400);
      assert.equal(badInstance.body.error_code, 'DCS.4061');
      const badProject = await getJson(app, backupsPath('project%20a', instance.id));
      assert.equal(badProject.status, 400);
      assert.equal(badProject.body.error_code, 'DCS.4002');
    });

    it('answers 404 DCS.3022 alike for an unknown instance and for one of another project', async () => {
      const unknown = await getJson(app, backupsPath('project-a', '00000000-0000-4000-8000-000000000000'));
      const foreign = await getJson(app, backupsPath('project-a', otherProject.id));
      for (const response of [unknown, foreign]) {
        assert.equal(response.status, 404);
        assert.equal(response.body.error_code, 'DCS.3022');
      }
      assert.deepEqual(unknown.body, foreign.body);
    });

    it('answers 404 DCS.4001 for an unknown path and 405 DCS.5001 for a wrong method', async () => {
      const unknown = await getJson(app, '/v2/project-a/nothing-here');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error_code, 'DCS.4001');
      const wrong = await app.inject({ method: 'PATCH', url: backupsPath('project-a', instance.id) });
      assert.equal(wrong.statusCode, 405);
      assert.equal(wrong.json().error_code, 'DCS.5001');
      assert.ok(wrong.headers['x-request-id']);
    });

    it('serves the path with a trailing slash, as signed SDK paths end', async () => {
      const { status } = await getJson(app, backupsPath('project-a', instance.id) + '/');
      assert.equal(status, 200);
    });
  });
}
