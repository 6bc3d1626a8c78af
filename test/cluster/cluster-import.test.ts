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
import { startRedisCluster, waitForClusterOk, type RedisCluster } from '../support/redis-cluster.ts';
import { restoreAofRouted } from '../../src/engine/restore/cluster-aof-restore.ts';
import { Readable } from 'node:stream';
import { redisCli } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';
import { encodeBinaryCommand } from '../../src/engine/restore/resp-command.ts';
import { fillEveryType } from '../support/rich-data.ts';
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

/** Commands as an AOF holds them (RESP arrays of bulk strings). */
const aofOf = (commands: string[][]) =>
  Buffer.concat(commands.map((command) => encodeBinaryCommand(command)));

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

  it('an AOF backup of a server with every type into the cluster: content equal, keys by slot, functions on every master', async () => {
    await redisCli(standalone.port, ['FLUSHALL']);
    await redisCli(standalone.port, ['FUNCTION', 'FLUSH']);
    await fillEveryType(standalone.port);
    // A cluster has database 0 only: the source's other databases are emptied (refusing them is tested below).
    for (const db of ['1', '5']) await redisCli(standalone.port, ['-n', db, 'FLUSHDB']);
    const source = await contentOfAll([standalone.port]);
    const created = await harness.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT}/instances/${ids.standalone}/backups`,
      payload: { backup_format: 'aof' },
    });
    assert.equal(created.statusCode, 200, created.body);
    await harness.worker.idle();
    const backupId = created.json().backup_id;
    const detail = (
      await harness.app.inject(`/v2/${PROJECT}/instances/${ids.standalone}/backups/${backupId}`)
    ).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    assert.equal(detail.backup_format, 'aof');

    await redisCli(masters[0]!, ['SET', 'marker:stale', 'gone after the flush']);
    const task = await runImport('cluster', { file_source: 'backup_record', backup_id: backupId });
    assert.equal(task.status, 'SUCCESS', task.error_message);
    assert.equal(task.report.format, 'aof');
    assert.equal(task.report.keys, source.size);
    const live = await contentOfAll(masters);
    assert.equal(live.size, source.size);
    for (const [key, content] of source) assert.deepEqual(live.get(key), content, key);
    await assertRoutedBySlot(live.keys());
    for (const port of masters) {
      assert.match(await redisCli(port, ['FUNCTION', 'LIST']), /restorelib/, `functions on ${port}`);
    }
  });

  it("an AOF with MULTI…EXEC in one slot and a movable-key command loads; each command on its slot's master", async () => {
    const aof = aofOf([
      ['SELECT', '0'],
      ['MULTI'],
      ['SET', '{t}a', '1'],
      ['RPUSH', '{t}list', 'x', 'y'],
      ['EXEC'],
      ['SADD', 'elsewhere', 'm'],
      ['ZADD', '{u}z1', '1', 'a'],
      ['ZUNIONSTORE', '{u}dst', '1', '{u}z1'],
    ]);
    await putFile('multi.aof', aof);
    const task = await runImport('cluster', fromFile('multi.aof'));
    assert.equal(task.status, 'SUCCESS', task.error_message);
    const live = await contentOfAll(masters);
    assert.deepEqual([...live.keys()].sort(), ['elsewhere', '{t}a', '{t}list', '{u}dst', '{u}z1']);
    assert.deepEqual(live.get('{t}list')!.value, ['x', 'y']);
    await assertRoutedBySlot(live.keys());
    // ZUNIONSTORE may remove its destination: the count is not confirmed, and the report says why.
    assert.ok(task.report.warnings.some((w: string) => /ZUNIONSTORE, which may remove keys/.test(w)));
  });

  for (const [name, commands, reason] of [
    [
      'cross-slot MSET',
      [
        ['SET', 'c', '1'],
        ['MSET', 'a', '1', 'b', '2'],
      ],
      /MSET of key "a".*keys in 2 slots/,
    ],
    [
      'SELECT 1',
      [
        ['SET', 'c', '1'],
        ['SELECT', '1'],
        ['SET', 'd', '1'],
      ],
      /selects database 1.*database 0 only/,
    ],
    [
      'MULTI block across slots',
      [['MULTI'], ['SET', 'a', '1'], ['SET', 'b', '1'], ['EXEC']],
      /MULTI block near byte \d+ spans slots/,
    ],
    [
      'keyless command',
      [
        ['SET', 'c', '1'],
        ['PUBLISH', 'channel', 'hello'],
      ],
      /PUBLISH.*names no key/,
    ],
    [
      'command the cluster does not know',
      [
        ['SET', 'c', '1'],
        ['NOSUCHCMD', 'c'],
      ],
      /does not know the command NOSUCHCMD/,
    ],
    [
      'function library a master refuses',
      [
        ['SET', 'c', '1'],
        ['FUNCTION', 'LOAD', '#!lua name=brokenlib\nthis is not lua'],
      ],
      /function library brokenlib/,
    ],
    [
      'FUNCTION LOAD inside MULTI',
      [['MULTI'], ['FUNCTION', 'LOAD', 'x'], ['EXEC']],
      /has a command for every master/,
    ],
  ] as const) {
    it(`an AOF with a ${name} is refused before anything is written: the cluster untouched`, async () => {
      const markers = ['marker:a', 'marker:b', 'marker:c'];
      for (const port of masters) await redisCli(port, ['FLUSHALL']);
      for (const marker of markers) await redisCli(masters[0]!, ['-c', 'SET', marker, 'kept']);
      const before = await contentOfAll(masters);
      const file = `${name.replace(/\W+/g, '-')}.aof`;
      await putFile(file, aofOf(commands as unknown as string[][]));
      const task = await runImport('cluster', fromFile(file));
      assert.equal(task.status, 'FAILED');
      assert.match(task.error_message, /refused before anything was written/);
      assert.match(task.error_message, reason);
      assert.deepEqual(await contentOfAll(masters), before);
    });
  }

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

  it("follows MOVED and ASK when slots move between the pre-flight and the load, keeping each key's commands in order", async () => {
    for (const port of masters) await redisCli(port, ['FLUSHALL']);
    const connection = await RespConnection.open(endpoint(masters[0]!), 5000);
    const shards = await readClusterShards(connection, endpoint(masters[0]!)).finally(() =>
      connection.close(),
    );
    const nodes = await Promise.all(
      shards.map(async (shard) => ({
        port: shard.master.port,
        slots: shard.slots,
        id: await redisCli(shard.master.port, ['CLUSTER', 'MYID']),
      })),
    );
    const ownerOf = (slot: number) =>
      nodes.find((n) => n.slots.some(([first, last]) => slot >= first && slot <= last))!;
    const movedSlot = keySlot(Buffer.from('m'));
    const askedSlot = keySlot(Buffer.from('a'));
    const [movedFrom, askedFrom] = [ownerOf(movedSlot), ownerOf(askedSlot)];
    const movedTo = nodes.find((n) => n !== movedFrom)!;
    const askedTo = nodes.find((n) => n !== askedFrom)!;
    const commands: string[][] = [];
    for (let i = 0; i < 300; i++) {
      // Chunks of one list, and a TTL after it: order matters within the slot.
      commands.push(['RPUSH', '{m}list', `m${i}`], ['RPUSH', '{a}list', `a${i}`], ['SET', `other:${i}`, 'x']);
    }
    commands.push(['PEXPIREAT', '{m}list', String(Date.now() + 3_600_000)]);
    const file = aofOf(commands);
    try {
      const report = await restoreAofRouted({
        targets: nodes.map((n) => ({ endpoint: endpoint(n.port), slots: n.slots })),
        sources: [{ sizeBytes: file.length, open: async () => Readable.from([file]) }],
        // A small window: answers (and redirections) come back while later commands of the slot are being sent.
        window: { commands: 8, bytes: 64 * 1024 },
        onStart: async () => {
          for (const n of [movedTo, ...nodes.filter((x) => x !== movedTo)]) {
            await redisCli(n.port, ['CLUSTER', 'SETSLOT', String(movedSlot), 'NODE', movedTo.id]);
          }
          await redisCli(askedTo.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'IMPORTING', askedFrom.id]);
          await redisCli(askedFrom.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'MIGRATING', askedTo.id]);
        },
      });
      const expected = Array.from({ length: 300 }, (_, i) => i);
      assert.equal(
        await redisCli(movedTo.port, ['LRANGE', '{m}list', '0', '-1']),
        expected.map((i) => `m${i}`).join('\n'),
      );
      assert.ok(Number(await redisCli(movedTo.port, ['PTTL', '{m}list'])) > 0, 'the TTL came after the list');
      assert.equal(
        Number(await redisCli(askedFrom.port, ['CLUSTER', 'COUNTKEYSINSLOT', String(askedSlot)])),
        0,
      );
      assert.equal(
        Number(await redisCli(askedTo.port, ['CLUSTER', 'COUNTKEYSINSLOT', String(askedSlot)])),
        1,
      );
      // The migration ends as a resharding tool would end it: the asked key is whole on its new owner.
      for (const n of [askedTo, ...nodes.filter((x) => x !== askedTo)]) {
        await redisCli(n.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'NODE', askedTo.id]);
      }
      assert.equal(
        await redisCli(askedTo.port, ['LRANGE', '{a}list', '0', '-1']),
        expected.map((i) => `a${i}`).join('\n'),
      );
      assert.equal(report.keys, 302);
    } finally {
      for (const port of masters) await redisCli(port, ['FLUSHALL']);
      for (const n of [askedFrom, ...nodes.filter((x) => x !== askedFrom)]) {
        await redisCli(n.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'NODE', askedFrom.id]);
      }
      for (const n of [movedFrom, ...nodes.filter((x) => x !== movedFrom)]) {
        await redisCli(n.port, ['CLUSTER', 'SETSLOT', String(movedSlot), 'NODE', movedFrom.id]);
      }
      await waitForClusterOk(masters);
    }
  });
});
