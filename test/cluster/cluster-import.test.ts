import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { keySlot } from '../../src/core/key-slot.ts';
import { readClusterShards } from '../../src/engine/cluster-discovery.ts';
import { RespConnection } from '../../src/engine/resp/resp-connection.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { contentOfAll, fillClusterEveryType } from '../support/cluster-data.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { differencesFromOracle, loadOracle } from '../support/fixture-oracle.ts';
import type { KeyContent } from '../support/logical-content.ts';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.ts';
import { redisCli } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';
import { importFileKey } from '../../src/core/use-cases/store-import-file.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);
const PROJECT = 'project-a';
const endpoint = (port: number) => ({
  host: '127.0.0.1',
  port,
  db: 0,
  username: null,
  password: null,
  tls: false,
});

/** A cluster's keys as a server's content ("0/key"), to compare with a fixture's oracle. */
const asServer = (keys: Map<string, KeyContent>) => ({
  keys: new Map([...keys].map(([key, content]) => [`0/${key}`, content])),
  functions: [] as string[],
});

describe('import tasks into a Redis Cluster: keys routed to the master of their slot', () => {
  let cluster: RedisCluster;
  let standalone: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;
  const ids: Record<string, string> = {};
  let masters: number[];

  const attach = async (name: string, port: number, type: string) => {
    const attached = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: { project_id: PROJECT, name, url: `redis://127.0.0.1:${port}/0`, type },
    });
    assert.equal(attached.statusCode, 201, attached.body);
    ids[name] = attached.json().instance_id;
  };

  const putFile = async (name: string, bytes: Buffer) => {
    const writer = await harness.deps.blobs.create(importFileKey(PROJECT, name));
    writer.stream.end(bytes);
    await writer.commit();
  };

  const runImport = async (into: string, backupFiles: Record<string, unknown>) => {
    const created = await harness.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT}/migration-task`,
      payload: {
        task_name: `into-${into}`,
        migration_type: 'backupfile_import',
        migration_method: 'full_amount_migration',
        backup_files: backupFiles,
        target_instance: { id: ids[into] },
      },
    });
    assert.equal(created.statusCode, 200, created.body);
    await harness.worker.idle();
    return (await harness.app.inject(`/v2/${PROJECT}/migration-task/${created.json().id}`)).json();
  };
  const fromFile = (name: string) => ({
    file_source: 'self_build_obs',
    bucket_name: 'dcs-backup',
    files: [{ file_name: importFileKey(PROJECT, name) }],
  });

  /** Each master holds exactly the keys whose slot it serves. */
  async function assertRoutedBySlot(keys: Iterable<string>): Promise<void> {
    const all = [...keys];
    const connection = await RespConnection.open(endpoint(masters[0]!), 5000);
    try {
      for (const shard of await readClusterShards(connection, endpoint(masters[0]!))) {
        const expected = all.filter((key) => {
          const slot = keySlot(Buffer.from(key));
          return shard.slots.some(([first, last]) => slot >= first && slot <= last);
        }).length;
        const held = Number(await redisCli(shard.master.port, ['DBSIZE']));
        assert.equal(held, expected, `keys on ${shard.master.port}`);
      }
    } finally {
      connection.close();
    }
  }

  before(async () => {
    [cluster, standalone] = await Promise.all([startRedisCluster(3, 0), startRedisServer()]);
    masters = await cluster.masterPorts();
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(NOW));
    await attach('cluster', cluster.nodes[0]!.port, 'cluster');
    await attach('standalone', standalone.port, 'single');
  });

  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await Promise.all([cluster?.stop(), standalone?.stop()]);
  });

  for (const [rdb, oracle] of [
    ['hash_zm_v2.rdb', 'hash_zm_v2_data.json'],
    ['plain_zset_2_v11.rdb', 'plain_zset_2_v11_data.json'],
  ] as const) {
    it(
      `an RDB file (${rdb}) into the cluster: content equals ${oracle}`,
      { skip: !fixturesAvailable() },
      async () => {
        await putFile(rdb, fs.readFileSync(fixturePath(rdb)));
        const task = await runImport('cluster', fromFile(rdb));
        assert.equal(task.status, 'SUCCESS', task.error_message);
        assert.equal(task.report.format, 'rdb');
        const live = await contentOfAll(masters);
        assert.deepEqual(differencesFromOracle(asServer(live), loadOracle(oracle)), []);
        assert.equal(task.report.keys, live.size);
        await assertRoutedBySlot(live.keys());
      },
    );
  }

  it('a cluster backup (one file per shard) as backup_record: into the cluster, and into a standalone server', async () => {
    for (const port of masters) await redisCli(port, ['FLUSHALL']);
    await fillClusterEveryType(cluster, 200);
    const before = await contentOfAll(masters);
    const created = await harness.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT}/instances/${ids.cluster}/backups`,
      payload: {},
    });
    assert.equal(created.statusCode, 200, created.body);
    await harness.worker.idle();
    const backupId = created.json().backup_id;
    const detail = (
      await harness.app.inject(`/v2/${PROJECT}/instances/${ids.cluster}/backups/${backupId}`)
    ).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    assert.equal(detail.shards.length, 3);

    for (const port of masters) await redisCli(port, ['FLUSHALL']);
    const task = await runImport('cluster', { file_source: 'backup_record', backup_id: backupId });
    assert.equal(task.status, 'SUCCESS', task.error_message);
    const after = await contentOfAll(masters);
    assert.equal(after.size, before.size);
    for (const [key, content] of before) assert.deepEqual(after.get(key), content, key);
    await assertRoutedBySlot(after.keys());

    // Every shard's file in turn into one server, no flush between: the whole data set.
    const intoOne = await runImport('standalone', { file_source: 'backup_record', backup_id: backupId });
    assert.equal(intoOne.status, 'SUCCESS', intoOne.error_message);
    const single = await contentOfAll([standalone.port]);
    assert.equal(single.size, before.size);
    for (const [key, content] of before) assert.deepEqual(single.get(key), content, key);
  });

  it('an AOF file into a cluster fails with the reason, the cluster untouched', async () => {
    const keysBefore = (await contentOfAll(masters)).size;
    await putFile('plain.aof', Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n'));
    const task = await runImport('cluster', fromFile('plain.aof'));
    assert.equal(task.status, 'FAILED');
    assert.match(
      task.error_message,
      /refused before anything was written.*AOF file is not loaded into a cluster/,
    );
    assert.equal((await contentOfAll(masters)).size, keysBefore);
  });

  it(
    'an RDB with keys outside database 0 is refused for a cluster, untouched',
    { skip: !fixturesAvailable() },
    async () => {
      const keysBefore = (await contentOfAll(masters)).size;
      await putFile('multiple_dbs.rdb', fs.readFileSync(fixturePath('multiple_dbs.rdb')));
      const task = await runImport('cluster', fromFile('multiple_dbs.rdb'));
      assert.equal(task.status, 'FAILED');
      assert.match(task.error_message, /refused before anything was written/);
      assert.equal((await contentOfAll(masters)).size, keysBefore);
    },
  );
});
