import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import type { SlotRange } from '../../src/core/cluster-topology.ts';
import { keyInSlots, keySlot } from '../../src/core/key-slot.ts';
import { readClusterShards } from '../../src/engine/cluster-discovery.ts';
import { restoreRouted, type RoutedTarget } from '../../src/engine/restore/cluster-restore.ts';
import type { RestoreSource } from '../../src/engine/restore/restore-types.ts';
import { RespConnection } from '../../src/engine/resp/resp-connection.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { contentOfAll, fillClusterEveryType } from '../support/cluster-data.ts';
import type { KeyContent } from '../support/logical-content.ts';
import {
  replicaOf,
  startRedisCluster,
  waitForClusterOk,
  type RedisCluster,
} from '../support/redis-cluster.ts';
import { redisCli } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);
const PROJECT = 'project-a';
type Contents = Map<string, KeyContent>;

const endpoint = (port: number) => ({
  host: '127.0.0.1',
  port,
  db: 0,
  username: null,
  password: null,
  tls: false,
});

/** The cluster's masters with their slots, as read from one node. */
async function mastersOf(port: number): Promise<{ port: number; id: string; slots: SlotRange[] }[]> {
  const connection = await RespConnection.open(endpoint(port), 5000);
  try {
    const shards = await readClusterShards(connection, endpoint(port));
    return shards.map((shard) => ({ port: shard.master.port, id: shard.master.id, slots: shard.slots }));
  } finally {
    connection.close();
  }
}

/** Every key of the source is in the target with the same type, value and absolute expiry. */
function assertSameKeys(source: Contents, target: Contents): void {
  assert.equal(target.size, source.size, 'key count');
  for (const [key, expected] of source) assert.deepEqual(target.get(key), expected, `key ${key}`);
}

/** Each master holds exactly the source's keys whose slot it serves. */
async function assertRoutedBySlot(source: Contents, masterPort: number): Promise<void> {
  for (const master of await mastersOf(masterPort)) {
    const expected = [...source.keys()].filter((key) => {
      const slot = keySlot(Buffer.from(key));
      return master.slots.some(([first, last]) => slot >= first && slot <= last);
    }).length;
    assert.equal(Number(await redisCli(master.port, ['DBSIZE'])), expected, `keys on ${master.port}`);
  }
}

describe('restores of cluster backups: keys routed by slot into clusters of any shape', () => {
  let source: RedisCluster;
  let three: RedisCluster;
  let four: RedisCluster;
  let standalone: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let blobDir: string;
  let sourceContents: Contents;
  const ids: Record<string, string> = {};
  let clusterBackupId: string;

  const attach = async (name: string, port: number, type: string) => {
    const attached = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: { project_id: PROJECT, name, url: `redis://127.0.0.1:${port}/0`, type },
    });
    assert.equal(attached.statusCode, 201, attached.body);
    ids[name] = attached.json().instance_id;
  };
  const backUp = async (name: string) => {
    const created = await harness.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT}/instances/${ids[name]}/backups`,
      payload: {},
    });
    assert.equal(created.statusCode, 200, created.body);
    await harness.worker.idle();
    const id = created.json().backup_id as string;
    const detail = (await harness.app.inject(`/v2/${PROJECT}/instances/${ids[name]}/backups/${id}`)).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    return { id, detail };
  };
  const restore = async (into: string, backupId: string, extra: Record<string, unknown> = {}) => {
    const asked = await harness.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT}/instances/${ids[into]}/restores`,
      payload: { backup_id: backupId, ...(extra.into_standalone ? { into_standalone: true } : {}) },
    });
    if (asked.statusCode !== 200) {
      if (!extra.expectRefusal) assert.fail(asked.body);
      return { asked: asked.json(), detail: null };
    }
    await harness.worker.idle();
    const restoreId = asked.json().restore_id as string;
    const detail = (
      await harness.app.inject(`/v2/${PROJECT}/instances/${ids[into]}/restores/${restoreId}`)
    ).json();
    return { asked: asked.json(), detail };
  };
  /** The stored shard files of a backup, in shard order, read in place. */
  const shardSources = (detail: { shards: unknown[] }, id: string) =>
    detail.shards.map((_, index): RestoreSource => {
      const name = fs.readdirSync(blobDir).find((n) => n.startsWith(`${id}.shard-${index}-`))!;
      const file = path.join(blobDir, name);
      return {
        sizeBytes: fs.statSync(file).size,
        open: async () => fs.createReadStream(file),
        openRange: async (start, end) => fs.createReadStream(file, { start, end: end - 1 }),
      };
    });

  before(async () => {
    [source, three, four, standalone] = await Promise.all([
      startRedisCluster(3, 1),
      startRedisCluster(3, 0),
      startRedisCluster(4, 0),
      startRedisServer(),
    ]);
    await fillClusterEveryType(source, 600);
    // The backup is read from the replicas, whose stream groups Redis 7.0 keeps without entries-read (a replica
    // is told the last delivered id, not the count): what the backup holds is what they hold.
    const masters = await source.masterPorts();
    sourceContents = await contentOfAll(
      source.nodes.map((node) => node.port).filter((port) => !masters.includes(port)),
    );
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(NOW), {
      wrapBlobs: (blobs) => {
        blobDir = (blobs as FsBlobStore).dir;
        return blobs;
      },
    });
    await attach('source', source.nodes[0]!.port, 'cluster');
    await attach('three', three.nodes[0]!.port, 'cluster');
    await attach('four', four.nodes[0]!.port, 'cluster');
    await attach('standalone', standalone.port, 'single');
    clusterBackupId = (await backUp('source')).id;
  });

  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await Promise.all([source?.stop(), three?.stop(), four?.stop(), standalone?.stop()]);
  });

  const backupDetail = async (name: string, id: string) =>
    (await harness.app.inject(`/v2/${PROJECT}/instances/${ids[name]}/backups/${id}`)).json();

  it('follows MOVED and ASK when slots move between the pre-flight and the load', async () => {
    const sources = shardSources(await backupDetail('source', clusterBackupId), clusterBackupId);
    assert.equal(sources.length, 3);
    const masters = await mastersOf(three.nodes[0]!.port);
    const ownerOf = (slot: number) =>
      masters.find((m) => m.slots.some(([first, last]) => slot >= first && slot <= last))!;
    const movedSlot = keySlot(Buffer.from('str:1'));
    const askedSlot = keySlot(Buffer.from('str:2'));
    const movedFrom = ownerOf(movedSlot);
    const movedTo = masters.find((m) => m !== movedFrom)!;
    const askedFrom = ownerOf(askedSlot);
    const askedTo = masters.find((m) => m !== askedFrom)!;
    assert.notEqual(movedSlot, askedSlot);

    const report = await restoreRouted({
      targets: masters.map((m): RoutedTarget => ({ endpoint: endpoint(m.port), slots: m.slots })),
      sources,
      now: () => NOW,
      // After the pre-flight read the topology: one slot moves for good, another starts migrating.
      onStart: async () => {
        for (const m of [movedTo, ...masters.filter((x) => x !== movedTo)]) {
          await redisCli(m.port, ['CLUSTER', 'SETSLOT', String(movedSlot), 'NODE', movedTo.id]);
        }
        await redisCli(askedTo.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'IMPORTING', askedFrom.id]);
        await redisCli(askedFrom.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'MIGRATING', askedTo.id]);
      },
    });
    assert.equal(
      Number(await redisCli(movedTo.port, ['EXISTS', 'str:1'])),
      1,
      'the moved key went to the new owner',
    );
    assert.ok(Number(await redisCli(askedTo.port, ['CLUSTER', 'COUNTKEYSINSLOT', String(askedSlot)])) > 0);
    assert.equal(
      Number(await redisCli(askedFrom.port, ['CLUSTER', 'COUNTKEYSINSLOT', String(askedSlot)])),
      0,
    );
    // The migration ends as a resharding tool would end it.
    for (const m of [askedTo, ...masters.filter((x) => x !== askedTo)]) {
      await redisCli(m.port, ['CLUSTER', 'SETSLOT', String(askedSlot), 'NODE', askedTo.id]);
    }
    await waitForClusterOk(three.nodes.map((node) => node.port));
    assert.equal(
      report.destinations.reduce((sum, d) => sum + d.keys, 0),
      sourceContents.size,
      'the keys sent add up to the backup',
    );
    assertSameKeys(sourceContents, await contentOfAll(masters.map((m) => m.port)));
    await assertRoutedBySlot(sourceContents, three.nodes[0]!.port);
  });

  it('restores a 3-shard backup into another 3-master cluster, each key on the master of its slot', async () => {
    await redisCli(three.nodes[0]!.port, ['SET', 'str:1', 'overwritten']).catch(() => undefined);
    const { detail } = await restore('three', clusterBackupId);
    assert.equal(detail.status, 'succeed', detail.error_message);
    // The replication fast path is on by default, and a cluster target is never given it.
    assert.equal(detail.restore_method, 'commands');
    assert.match(detail.restore_method_reason, /the replication fast path does not apply to routed restores/);
    assert.equal(detail.target_shards.length, 3);
    assert.equal(
      detail.target_shards.reduce((sum: number, shard: { keys: number }) => sum + shard.keys, 0),
      sourceContents.size,
    );
    assertSameKeys(sourceContents, await contentOfAll(await three.masterPorts()));
    await assertRoutedBySlot(sourceContents, three.nodes[0]!.port);
  });

  it("refuses, with nothing written, a restore whose share of keys exceeds a master's maxmemory", async () => {
    const masters = await mastersOf(four.nodes[0]!.port);
    for (const m of masters) await redisCli(m.port, ['SET', keyInSlots('marker:', m.slots), 'marker']);
    const markers = async () => Promise.all(masters.map((m) => redisCli(m.port, ['DBSIZE']).then(Number)));
    const before = await markers();
    assert.ok(
      before.every((n) => n > 0),
      'each master holds a marker',
    );
    const tight = masters[1]!;
    const used = Number(/used_memory:(\d+)/.exec(await redisCli(tight.port, ['INFO', 'memory']))![1]);
    // Room for the restore's own connections (with 64 KB, their buffers once pushed the master past its limit
    // and the pre-flight's probe write met OOM), far less than the ~2 MB share the master would receive.
    await redisCli(tight.port, ['CONFIG', 'SET', 'maxmemory', String(used + 512 * 1024)]);
    try {
      const { detail } = await restore('four', clusterBackupId);
      assert.equal(detail.status, 'failed');
      assert.match(detail.error_message, /refused before anything was written/);
      assert.match(
        detail.error_message,
        new RegExp(`shard 1 \\(127\\.0\\.0\\.1:${tight.port}, slots [^)]+\\) would receive`),
      );
      assert.match(detail.error_message, /maxmemory/);
      assert.deepEqual(await markers(), before, 'every master still holds what it held');
    } finally {
      await redisCli(tight.port, ['CONFIG', 'SET', 'maxmemory', '0']);
    }
  });

  it('restores a 3-shard backup into a 4-master cluster', async () => {
    const { detail } = await restore('four', clusterBackupId);
    assert.equal(detail.status, 'succeed', detail.error_message);
    assert.equal(detail.target_shards.length, 4);
    assertSameKeys(sourceContents, await contentOfAll(await four.masterPorts()));
    await assertRoutedBySlot(sourceContents, four.nodes[0]!.port);
  });

  it('puts a cluster backup into a standalone server only when asked to', async () => {
    await redisCli(standalone.port, ['SET', 'kept', 'yes']);
    const refused = await restore('standalone', clusterBackupId, { expectRefusal: true });
    assert.equal(refused.detail, null);
    assert.equal(refused.asked.error_code, 'DCS.4955');
    assert.equal(await redisCli(standalone.port, ['GET', 'kept']), 'yes');

    const { detail } = await restore('standalone', clusterBackupId, { into_standalone: true });
    assert.equal(detail.status, 'succeed', detail.error_message);
    assert.equal(detail.into_standalone, true);
    assertSameKeys(sourceContents, await contentOfAll([standalone.port]));
  });

  it("restores a standalone server's backup into a cluster, keys routed by slot", async () => {
    const { id } = await backUp('standalone');
    await redisCli(four.nodes[0]!.port, ['FLUSHALL']);
    const { detail } = await restore('four', id);
    assert.equal(detail.status, 'succeed', detail.error_message);
    assertSameKeys(sourceContents, await contentOfAll(await four.masterPorts()));
    await assertRoutedBySlot(sourceContents, four.nodes[0]!.port);
  });

  it('fails a restore whose target has slots no master serves, naming them, before writing', async () => {
    const masters = await mastersOf(three.nodes[0]!.port);
    const owner = masters.find((m) => m.slots.some(([first]) => first === 0))!;
    await redisCli(owner.port, ['SET', 'str:5', 'untouched']).catch(() => '');
    const keysBefore = await redisCli(owner.port, ['DBSIZE']);
    await redisCli(owner.port, ['CLUSTER', 'DELSLOTSRANGE', '0', '9']);
    const { detail } = await restore('three', clusterBackupId);
    assert.equal(detail.status, 'failed');
    assert.match(detail.error_message, /slots 0-9/);
    assert.equal(await redisCli(owner.port, ['DBSIZE']), keysBefore);
  });

  it('fails a restore whose target master fails over mid-way, naming the shard', async () => {
    const sources = shardSources(await backupDetail('source', clusterBackupId), clusterBackupId);
    const masters = await mastersOf(source.nodes[0]!.port);
    const victim = masters[2]!;
    const replica = await replicaOf(source, victim.port);
    await assert.rejects(
      restoreRouted({
        targets: masters.map((m): RoutedTarget => ({ endpoint: endpoint(m.port), slots: m.slots })),
        sources,
        now: () => NOW,
        onStart: async () => {
          await redisCli(replica, ['CLUSTER', 'FAILOVER']);
          // The replica takes over first; the old master learns it from the next message between them.
          const switched = async () =>
            (await redisCli(replica, ['ROLE'])).startsWith('master') &&
            (await redisCli(victim.port, ['ROLE'])).startsWith('slave');
          for (let i = 0; i < 400 && !(await switched()); i++) {
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          assert.match(await redisCli(victim.port, ['ROLE']), /^slave/);
        },
      }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`shard 2 \\(127\\.0\\.0\\.1:${victim.port}`));
        return true;
      },
    );
  });

  it('verifies every shard file, and a corrupt one names its shard and stops restores', async () => {
    const url = `/v2/${PROJECT}/instances/${ids.source}/backups/${clusterBackupId}/verify`;
    const good = await harness.app.inject({ method: 'POST', url });
    assert.equal(good.statusCode, 200, good.body);
    const verified = good.json();
    assert.equal(verified.result, 'ok');
    assert.equal(verified.is_support_restore, 'TRUE');
    const keys = Object.values(verified.keys_per_db as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(keys, sourceContents.size);

    const name = fs.readdirSync(blobDir).find((n) => n.startsWith(`${clusterBackupId}.shard-1-`))!;
    const file = path.join(blobDir, name);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    const bad = (await harness.app.inject({ method: 'POST', url })).json();
    assert.equal(bad.result, 'problem');
    assert.match(bad.problem, /^shard 1: /);
    const after = await backupDetail('source', clusterBackupId);
    assert.match(after.error_message, /^shard 1: /);
    assert.equal(after.is_support_restore, 'FALSE');
    const refused = await restore('three', clusterBackupId, { expectRefusal: true });
    assert.equal(refused.asked.error_code, 'DCS.4087');
  });
});
