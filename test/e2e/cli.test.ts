import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { makeBackup } from '../support/records.ts';
import { TEST_SECRETS } from '../support/stores.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { POSTGRES_SKIP } from '../support/postgres.ts';

const PASSWORD = 'cli-Pw77-never-shown';

describe('the dcs-backup CLI against a running service', () => {
  let redis: RedisServer;
  let service: ServiceProcess;
  let dataDir: string;
  let instanceId: string;
  const cli = (...args: string[]) => runCli(['--endpoint', service.url, ...args], { DCS_DATA_DIR: dataDir });

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-cli-'));
    redis = await startRedisServer(['--requirepass', PASSWORD]);
    service = await startServiceProcess(['--data-dir', dataDir]);
  });

  after(async () => {
    await service.stop();
    await redis.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('attaches a Redis server and prints its instance id', async () => {
    const result = await cli(
      'instance',
      'attach',
      `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
      '--project',
      'proj-cli',
      '--name',
      'orders',
    );
    assert.equal(result.code, 0, result.stderr);
    instanceId = result.stdout.trim();
    assert.match(instanceId, /^[0-9a-f-]{36}$/);
  });

  it('refuses a wrong password with a clear message and a non-zero exit', async () => {
    const result = await cli(
      'instance',
      'attach',
      `redis://:wrong@127.0.0.1:${redis.port}`,
      '--project',
      'proj-cli',
      '--name',
      'x',
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /DCS\.4901 .*authentication failed/);
  });

  it('lists instances as a table and as JSON, without the password', async () => {
    const table = await cli('instance', 'list');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${instanceId}.*proj-cli.*orders`));
    const json = await cli('instance', 'list', '--project', 'proj-cli', '--json');
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.instance_num, 1);
    assert.equal(parsed.instances[0].instance_id, instanceId);
    assert.ok(!(table.stdout + json.stdout).includes(PASSWORD));
  });

  it('lists backup records with the same content as the API, as a table and as JSON', async () => {
    // The backup engine is not part of this suite: records are written by the store's own functions.
    const store = await KyselyMetadataStore.open(
      { kind: 'sqlite', file: path.join(dataDir, 'metadata.sqlite') },
      TEST_SECRETS,
    );
    const t = Date.UTC(2024, 3, 1, 10, 0, 0);
    const records = [
      makeBackup(instanceId, t, { remark: 'first', sizeBytes: 880232 }),
      makeBackup(instanceId, t + 3_600_000, {
        status: 'failed',
        errorCode: 'dcs.08.0001',
        restorable: false,
      }),
      makeBackup(instanceId, t + 7_200_000, {
        status: 'backuping',
        progressHundredths: 5000,
        updatedAt: null,
      }),
    ];
    for (const record of records) await store.backups.insert(record);
    await store.close();

    const table = await cli('backup', 'list', instanceId);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    const order = records.map((r) => lines.findIndex((line) => line.includes(r.id)));
    assert.ok(
      order.every((i) => i > 0),
      table.stdout,
    );
    assert.ok(order[2]! < order[1]! && order[1]! < order[0]!, 'newest first');
    assert.match(table.stdout, /failed \(dcs\.08\.0001\)/);
    assert.match(table.stdout, /859\.6 KiB/);
    assert.match(table.stdout, /50\.00%/);
    assert.match(table.stdout, /records 1-3 of 3/);

    const json = await cli(
      'backup',
      'list',
      instanceId,
      '--project',
      'proj-cli',
      '--json',
      '--limit',
      '1',
      '--offset',
      '1',
    );
    const page = JSON.parse(json.stdout);
    const direct = await (
      await fetch(`${service.url}/v2/proj-cli/instances/${instanceId}/backups?limit=1&offset=1`, {
        headers: { 'x-auth-token': (await cli('credentials', 'token')).stdout.trim() },
      })
    ).json();
    assert.deepEqual(direct, page);
    assert.equal(page.total_num, 3);
    assert.equal(page.backup_record_response[0].backup_id, records[1]!.id);

    const windowed = await cli(
      'backup',
      'list',
      instanceId,
      '--begin',
      '20240401100000',
      '--end',
      '20240401100000',
      '--json',
    );
    assert.deepEqual(
      JSON.parse(windowed.stdout).backup_record_response.map((r: { backup_id: string }) => r.backup_id),
      [records[0]!.id],
    );
  });

  it('reports a DCS error from the service and exits non-zero', async () => {
    const result = await cli('backup', 'list', instanceId, '--begin', '2024-04-01');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: DCS\.4800 Invalid begin_time/m);
    assert.match(result.stderr, /request [0-9a-f-]{36}/);
  });

  it('says so when the service cannot be reached', async () => {
    const result = await runCli(['--endpoint', 'http://127.0.0.1:1', 'instance', 'list']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot reach the service at http:\/\/127\.0\.0\.1:1/);
  });

  it('detaches an instance', async () => {
    const refused = await cli('instance', 'detach', instanceId);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /DCS\.4903/);
    const forced = await cli('instance', 'detach', instanceId, '--force');
    assert.equal(forced.code, 0, forced.stderr);
    const list = JSON.parse((await cli('instance', 'list', '--json')).stdout);
    assert.equal(list.instance_num, 0);
  });

  it('never wrote the password to the service log, and stops cleanly on SIGTERM', async () => {
    assert.ok(service.output().includes('instance attached'));
    assert.ok(!service.output().includes(PASSWORD));
  });
});

describe('dcs-backup serve', () => {
  it('refuses a bad port with a message and exit code 2', async () => {
    const result = await runCli(['serve', '--port', 'eighty']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /port must be an integer/);
  });

  it('keeps metadata in PostgreSQL when given a database URL', { skip: POSTGRES_SKIP }, async () => {
    const { createTestDatabase } = await import('../support/postgres.ts');
    const database = await createTestDatabase();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-cli-pg-'));
    const service = await startServiceProcess(['--data-dir', dataDir], { DCS_DATABASE_URL: database.url });
    try {
      const list = await runCli(['--endpoint', service.url, 'instance', 'list', '--json'], {
        DCS_DATA_DIR: dataDir,
      });
      assert.equal(list.code, 0, list.stderr);
      assert.match(service.output(), /"metadata":"postgres 127\.0\.0\.1:5432\/dcs_test_/);
      assert.ok(
        !fs.existsSync(path.join(dataDir, 'metadata.sqlite')),
        'no SQLite file when PostgreSQL is used',
      );
    } finally {
      assert.equal(await service.stop(), 0);
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
