import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { differencesFromOracle, loadOracle, MODULE_FIXTURES, ORACLES } from '../support/fixture-oracle.ts';
import { contentOf, openSession } from '../support/logical-content.ts';
import { makeInstance } from '../support/records.ts';
import { importFileKey } from '../../src/core/use-cases/store-import-file.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const at = (port: number) => ({ host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false });

describe('backup-file import tasks (CreateMigrationTask and friends)', () => {
  let target: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let instance: ReturnType<typeof makeInstance>;
  const project = () => instance.projectId;

  before(async () => {
    target = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(Date.UTC(2026, 0, 1)));
    instance = makeInstance({ endpoint: at(target.port) });
    await opened.store.instances.insert(instance);
  });

  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await target?.stop();
  });

  async function putFile(name: string, bytes: Buffer): Promise<void> {
    const writer = await harness.deps.blobs.create(importFileKey(project(), name));
    writer.stream.end(bytes);
    await writer.commit();
  }

  function importBody(file: string, extra: Record<string, unknown> = {}) {
    return {
      task_name: `import-${file}`,
      migration_type: 'backupfile_import',
      migration_method: 'full_amount_migration',
      backup_files: {
        file_source: 'self_build_obs',
        bucket_name: 'dcs-backup',
        files: [{ file_name: importFileKey(project(), file) }],
      },
      target_instance: { id: instance.id, password: 'ignored' },
      ...extra,
    };
  }

  async function runImport(file: string) {
    const created = await harness.app.inject({
      method: 'POST',
      url: `/v2/${project()}/migration-task`,
      payload: importBody(file),
    });
    assert.equal(created.statusCode, 200, created.body);
    const { id, name, status } = created.json();
    assert.equal(name, `import-${file}`);
    assert.equal(status, 'MIGRATING');
    await harness.worker.idle();
    return (await harness.app.inject(`/v2/${project()}/migration-task/${id}`)).json();
  }

  async function setMarker(): Promise<void> {
    const session = await openSession(target.port);
    await session.call('FLUSHALL');
    await session.call('SET', 'marker', 'untouched');
    session.close();
  }

  async function markerStands(): Promise<void> {
    const live = await contentOf(target.port, { fieldExpiry: false });
    assert.deepEqual([...live.keys.keys()], ['0/marker']);
  }

  describe('each shared fixture, imported into Redis 7.0', { skip: !fixturesAvailable() }, () => {
    for (const [rdb, oracleName] of ORACLES.filter(([name]) => !MODULE_FIXTURES.has(name))) {
      it(`${rdb}: content equals ${oracleName}`, async () => {
        await putFile(rdb, fs.readFileSync(fixturePath(rdb)));
        const task = await runImport(rdb);
        assert.equal(task.status, 'SUCCESS', task.error_message);
        assert.equal(task.report.format, 'rdb');
        const live = await contentOf(target.port, { fieldExpiry: false });
        assert.deepEqual(differencesFromOracle(live, loadOracle(oracleName)), []);
      });
    }
  });

  it('imports an AOF file (RESP commands) as well', async () => {
    const aof = Buffer.from(
      '*3\r\n$3\r\nSET\r\n$1\r\na\r\n$2\r\nv1\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n',
    );
    await putFile('plain.aof', aof);
    const task = await runImport('plain.aof');
    assert.equal(task.status, 'SUCCESS', task.error_message);
    assert.deepEqual(task.report, {
      format: 'aof',
      rdb_version: null,
      commands: 3,
      keys: null,
      warnings: [],
    });
    const live = await contentOf(target.port, { fieldExpiry: false });
    assert.deepEqual([...live.keys.keys()].sort(), ['0/a', '2/l']);
  });

  describe(
    'a corrupt file fails with the reason and leaves the target untouched',
    { skip: !fixturesAvailable() },
    () => {
      const whole = () => fs.readFileSync(fixturePath('stream_v11.rdb'));
      const cases: [string, () => Buffer, RegExp][] = [
        [
          'flipped.rdb',
          () => {
            const bytes = whole();
            bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
            return bytes;
          },
          /checksum|unknown|invalid|ends|cannot/i,
        ],
        ['truncated.rdb', () => whole().subarray(0, whole().length - 30), /truncated/],
        ['not-an-rdb.txt', () => Buffer.from('hello, this is text\n'), /neither an RDB .* nor an AOF/],
        ['bad.aof', () => Buffer.from('*2\r\n$3\r\nSET\r\n$1\r\na\r\n*1\r\n$4\r\nPI'), /truncated/],
      ];
      for (const [name, bytes, reason] of cases) {
        it(name, async () => {
          await setMarker();
          await putFile(name, bytes());
          const task = await runImport(name);
          assert.equal(task.status, 'FAILED');
          assert.match(task.error_message, /refused before anything was written/);
          assert.match(task.error_message, reason);
          await markerStands();
        });
      }
    },
  );

  it('imports another backup record (file_source backup_record), an AOF backup too', async () => {
    for (const format of ['rdb', 'aof']) {
      const session = await openSession(target.port);
      await session.call('FLUSHALL');
      await session.call('SET', 'from-backup', format);
      const backups = `/v2/${project()}/instances/${instance.id}/backups`;
      const created = await harness.app.inject({
        method: 'POST',
        url: backups,
        payload: { backup_format: format },
      });
      await harness.worker.idle();
      const backupId = created.json().backup_id;
      await session.call('FLUSHALL');
      session.close();
      const response = await harness.app.inject({
        method: 'POST',
        url: `/v2/${project()}/migration-task`,
        payload: importBody('unused', {
          backup_files: { file_source: 'backup_record', backup_id: backupId },
        }),
      });
      assert.equal(response.statusCode, 200, response.body);
      await harness.worker.idle();
      const task = (await harness.app.inject(`/v2/${project()}/migration-task/${response.json().id}`)).json();
      assert.equal(task.status, 'SUCCESS', task.error_message);
      assert.equal(task.report.format, format);
      const live = await contentOf(target.port, { fieldExpiry: false });
      assert.equal(live.keys.get('0/from-backup')?.value, format);
    }
  });

  it("refuses a file that is not one of this project's uploads, with the target untouched", async () => {
    await setMarker();
    // Keys another tenant owns, present in the same store: a backup file and another project's upload.
    const foreign = ['0b7f6c1e-1d2a-4c3b-9e8f-000000000001.rdb', importFileKey('other-project', 'dump.rdb')];
    for (const key of foreign) {
      const writer = await harness.deps.blobs.create(key);
      writer.stream.end(Buffer.from('*3\r\n$3\r\nSET\r\n$6\r\nstolen\r\n$1\r\n1\r\n'));
      await writer.commit();
    }
    for (const key of [...foreign, `../${foreign[1]}`]) {
      const body = importBody('x');
      body.backup_files.files = [{ file_name: key }];
      const response = await harness.app.inject({
        method: 'POST',
        url: `/v2/${project()}/migration-task`,
        payload: body,
      });
      assert.equal(response.statusCode, 400, `${key}: ${response.body}`);
      assert.equal(response.json().error_code, 'DCS.4961', key);
    }
    await harness.worker.idle();
    await markerStands();
  });

  it('answers DCS errors for bad requests', async () => {
    await putFile('ok.aof', Buffer.from('*1\r\n$4\r\nPING\r\n'));
    const post = (payload: unknown) =>
      harness.app.inject({
        method: 'POST',
        url: `/v2/${project()}/migration-task`,
        payload: payload as object,
      });
    const cases: [unknown, number, string][] = [
      [
        importBody('ok.aof', { target_instance: { id: '00000000-0000-4000-8000-000000000000' } }),
        404,
        'DCS.3022',
      ],
      [importBody('ok.aof', { migration_type: 'online_migration' }), 400, 'DCS.4960'],
      [importBody('ok.aof', { migration_method: 'incremental_migration' }), 400, 'DCS.4960'],
      [importBody('missing.rdb'), 400, 'DCS.4961'],
      [importBody('../etc/passwd'), 400, 'DCS.4961'],
      [
        importBody('ok.aof', {
          backup_files: { file_source: 'self_build_obs', files: [{ file_name: 'ok.aof' }] },
        }),
        400,
        'DCS.4961',
      ],
      [
        importBody('ok.aof', {
          backup_files: {
            file_source: 'self_build_obs',
            bucket_name: 'b',
            files: [{ file_name: 'ok.aof' }, { file_name: 'ok.aof' }],
          },
        }),
        400,
        'DCS.4962',
      ],
      [
        importBody('ok.aof', { backup_files: { file_source: 'backup_record', backup_id: 'nope' } }),
        400,
        'DCS.4031',
      ],
      [importBody('ok.aof', { backup_files: { file_source: 'elsewhere' } }), 400, 'DCS.4800'],
      [{ task_name: 'x' }, 400, 'DCS.4800'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await post(payload);
      assert.equal(response.statusCode, status, `${JSON.stringify(payload)}: ${response.body}`);
      assert.equal(response.json().error_code, code, JSON.stringify(payload));
    }
    const unknown = await harness.app.inject(
      `/v2/${project()}/migration-task/00000000-0000-4000-8000-000000000000`,
    );
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'DCS.4133');
    const malformed = await harness.app.inject(`/v2/${project()}/migration-task/not-a-task`);
    assert.equal(malformed.json().error_code, 'DCS.4133');
  });

  it('lists the tasks newest first, filters by name, and deletes finished ones', async () => {
    const list = (await harness.app.inject(`/v2/${project()}/migration-tasks?limit=1000`)).json();
    assert.ok(list.count >= 3);
    assert.equal(list.migration_tasks.length, list.count);
    const first = list.migration_tasks[0];
    assert.equal(first.migration_type, 'backupfile_import');
    assert.equal(first.target_instance_id, instance.id);
    assert.equal(first.target_instance_addrs, `127.0.0.1:${target.port}`);
    const named = (await harness.app.inject(`/v2/${project()}/migration-tasks?name=import-plain.aof`)).json();
    assert.equal(named.count, 1);
    const id = named.migration_tasks[0].task_id;
    const removed = await harness.app.inject({
      method: 'DELETE',
      url: `/v2/${project()}/migration-tasks/delete`,
      payload: { task_id_list: [id] },
    });
    assert.equal(removed.statusCode, 200, removed.body);
    assert.deepEqual(removed.json().task_id_list, [id]);
    const again = await harness.app.inject({
      method: 'DELETE',
      url: `/v2/${project()}/migration-tasks/delete`,
      payload: { task_id_list: [id] },
    });
    assert.equal(again.json().error_code, 'DCS.4133');
    const gone = await harness.app.inject(`/v2/${project()}/migration-task/${id}`);
    assert.equal(gone.json().error_code, 'DCS.4133');
  });
});
