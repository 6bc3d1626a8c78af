import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import type { BlobCreateOptions, BlobStore, BlobWriter } from '../../src/core/ports.ts';
import { readRdb } from '../../src/engine/rdb/rdb-reader.ts';
import { cleanUpStorage } from '../../src/jobs/storage-cleanup.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import {
  fillCluster,
  keySlot,
  replicaOf,
  slotOwnerPort,
  slotOwnerSeenBy,
  startRedisCluster,
  totalKeys,
  waitForClusterOk,
  waitForHealthyReplicas,
  type RedisCluster,
} from '../support/redis-cluster.ts';
import { redisCli } from '../support/redis-data.ts';
import { command } from '../support/redis-inspect.ts';
import { waitUntil } from '../support/redis-sentinel.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);

interface ShardWire {
  shard_index: number;
  slots: string;
  node_id: string;
  ip: string;
  port: number;
  role: string;
  size: number;
  sha256: string;
  keys: number;
}

/** Holds the creation of chosen blobs until the test lets them go; everything else goes straight through. */
function gatedBlobs(gate: { hold: ((key: string) => Promise<void>) | null }) {
  return (blobs: BlobStore): BlobStore => ({
    id: blobs.id,
    async create(key: string, options?: BlobCreateOptions): Promise<BlobWriter> {
      if (gate.hold) await gate.hold(key);
      return blobs.create(key, options);
    },
    open: (key, range) => blobs.open(key, range),
    size: (key) => blobs.size(key),
    remove: (key) => blobs.remove(key),
    removePartial: (key) => blobs.removePartial(key),
    list: () => blobs.list(),
  });
}

const inRanges = (slot: number, ranges: string) =>
  ranges.split(', ').some((range) => {
    const [first, last = first] = range.split('-').map(Number);
    return slot >= first! && slot <= last!;
  });

describe('backups of a Redis Cluster: one record, one verified file per shard', () => {
  let cluster: RedisCluster;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let instanceId: string;
  const gate: { hold: ((key: string) => Promise<void>) | null } = { hold: null };
  const base = () => `/v2/project-a/instances/${instanceId}/backups`;
  let dir: () => string;

  before(async () => {
    cluster = await startRedisCluster(3, 1);
    await fillCluster(cluster, 1500);
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(NOW), {
      wrapBlobs: (blobs) => {
        const fsDir = (blobs as FsBlobStore).dir;
        dir = () => fsDir;
        return gatedBlobs(gate)(blobs);
      },
    });
    const attached = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: {
        project_id: 'project-a',
        name: 'orders',
        url: `redis://127.0.0.1:${cluster.nodes[1]!.port}/0`,
        type: 'cluster',
      },
    });
    assert.equal(attached.statusCode, 201, attached.body);
    instanceId = attached.json().instance_id;
  });

  after(async () => {
    await harness.close();
    await opened.dispose();
    await cluster.stop();
  });

  const backUp = async () => {
    const created = await harness.app.inject({
      method: 'POST',
      url: base(),
      payload: { remark: 'all shards' },
    });
    assert.equal(created.statusCode, 200, created.body);
    await harness.worker.idle();
    const id = created.json().backup_id as string;
    return { id, detail: (await harness.app.inject(`${base()}/${id}`)).json() };
  };

  let backupId: string;
  let shards: ShardWire[];

  it('stores one file per shard, read from replicas, whose keys add up to the cluster and belong to their shard', async () => {
    // What the chooser checks, not only equal offsets: under load a replica's own link can lag behind.
    await waitForHealthyReplicas(cluster);
    const { id, detail } = await backUp();
    backupId = id;
    assert.equal(detail.status, 'succeed', detail.error_message);
    shards = detail.shards;
    assert.equal(shards.length, 3);
    const masters = await cluster.masterPorts();
    assert.equal(
      shards.reduce((sum, s) => sum + s.keys, 0),
      await totalKeys(masters),
    );
    assert.equal(
      detail.backup_size ?? detail.size,
      shards.reduce((sum, s) => sum + s.size, 0),
    );
    assert.equal(detail.progress, '100.00');
    assert.ok(shards.every((s) => s.role === 'replica' && !masters.includes(s.port)));

    const files = fs
      .readdirSync(dir())
      .filter((name) => name.startsWith(id))
      .sort();
    assert.equal(files.length, 3);
    for (const shard of shards) {
      const [first] = shard.slots.split(', ')[0]!.split('-');
      const name = files.find((f) => f.startsWith(`${id}.shard-${shard.shard_index}-${first}-`));
      assert.ok(name, `a file for shard ${shard.shard_index}`);
      const bytes = fs.readFileSync(path.join(dir(), name));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), shard.sha256);
      let keys = 0;
      for await (const events of readRdb([bytes])) {
        for (const event of events) {
          if (event.kind !== 'key') continue;
          keys++;
          const slot = keySlot(event.record.key);
          assert.ok(inRanges(slot, shard.slots), `${event.record.key} (slot ${slot}) in ${shard.slots}`);
        }
      }
      assert.equal(keys, shard.keys);
    }
  });

  it('hands out one download link per shard, named after the shard and its slots', async () => {
    const response = await harness.app.inject({
      method: 'POST',
      url: `${base()}/${backupId}/links`,
      payload: { expiration: 3600 },
    });
    assert.equal(response.statusCode, 200, response.body);
    const { links } = response.json() as { links: { file_name: string; link: string }[] };
    assert.equal(links.length, 3);
    for (const [index, link] of links.entries()) {
      const shard = shards[index]!;
      const first = shard.slots.split(', ')[0]!.split('-')[0];
      assert.match(link.file_name, new RegExp(`_shard-${index}_slots-${first}-\\d+\\.rdb$`));
      const url = new URL(link.link);
      const download = await harness.app.inject({ method: 'GET', url: url.pathname + url.search });
      assert.equal(download.statusCode, 200);
      assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), shard.sha256);
    }
  });

  it('offers a cluster backup for restore (cluster-restores.test.ts restores them)', async () => {
    const detail = (await harness.app.inject(`${base()}/${backupId}`)).json();
    assert.equal(detail.is_support_restore, 'TRUE');
    assert.equal(detail.error_message, null);
  });

  it('the storage check marks a cluster backup missing when one shard file is gone', async () => {
    const kept = fs.readdirSync(dir()).filter((name) => name.startsWith(backupId));
    const before = await cleanUpStorage({ store: opened.store, blobs: harness.deps.blobs });
    assert.deepEqual(before.missingFiles, []);
    assert.deepEqual(before.removedFiles, []);
    fs.rmSync(
      path.join(
        dir(),
        kept.find((name) => name.includes('.shard-1-'))!,
      ),
    );
    const report = await cleanUpStorage({ store: opened.store, blobs: harness.deps.blobs });
    assert.deepEqual(report.missingFiles, [backupId]);
    const detail = (await harness.app.inject(`${base()}/${backupId}`)).json();
    assert.equal(detail.is_support_restore, 'FALSE');
    assert.match(detail.error_message, /missing/);
  });

  it('deleting the backup removes every shard file', async () => {
    const response = await harness.app.inject({ method: 'DELETE', url: `${base()}/${backupId}` });
    assert.ok(response.statusCode < 300, response.body);
    assert.deepEqual(
      fs.readdirSync(dir()).filter((name) => name.startsWith(backupId)),
      [],
    );
  });

  it('syncs at most two shards at once', async () => {
    const held: string[] = [];
    const waiting: (() => void)[] = [];
    let twoHeld!: () => void;
    const reachedTwo = new Promise<void>((resolve) => (twoHeld = resolve));
    gate.hold = (key) => {
      held.push(key);
      if (held.length === 2) twoHeld();
      return new Promise<void>((resolve) => waiting.push(resolve));
    };
    const created = await harness.app.inject({ method: 'POST', url: base(), payload: {} });
    await reachedTwo;
    // Every shard's transfer is planned before any starts: an unbounded run would have asked for the third
    // file in the same turn as the first two.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      held.map((key) => /\.shard-(\d)-/.exec(key)![1]),
      ['0', '1'],
    );
    gate.hold = null;
    waiting.splice(0).forEach((resolve) => resolve());
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base()}/${created.json().backup_id}`)).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    await harness.app.inject({ method: 'DELETE', url: `${base()}/${created.json().backup_id}` });
  });

  it('a backup that finds slots no master serves fails naming them', async () => {
    const ports = cluster.nodes.map((node) => node.port);
    const owner = await slotOwnerPort(cluster, 5000);
    // Every node forgets who serves 5000-5009, the owner first: with only the node the instance was attached
    // by forgetting, the owner's next heartbeat could give them back before the backup looked (seen once).
    // A heartbeat sent before the owner forgot may still teach a node again: until none knows, forget again.
    for (let attempt = 0; ; attempt++) {
      for (const port of [owner, ...ports.filter((port) => port !== owner)]) {
        await redisCli(port, ['CLUSTER', 'DELSLOTSRANGE', '5000', '5009']).catch(() => '');
      }
      const seen = await Promise.all(ports.map((port) => slotOwnerSeenBy(port, 5000)));
      if (seen.every((port) => port === undefined)) break;
      assert.ok(attempt < 20, 'the cluster kept serving slots 5000-5009');
    }
    try {
      const { detail } = await backUp();
      assert.equal(detail.status, 'failed');
      assert.match(detail.error_message, /no master serves slots 5000-5009\b/);
      assert.deepEqual(
        fs.readdirSync(dir()).filter((name) => name.endsWith('.rdb')),
        [],
      );
    } finally {
      await redisCli(owner, ['CLUSTER', 'ADDSLOTSRANGE', '5000', '5009']);
      await waitForClusterOk(ports);
    }
  });

  /**
   * Makes the transfer from `port` slow (rdb-key-save-delay: each key of the snapshot waits so many
   * microseconds in the fork that writes it), starts a backup, and returns once that node is writing the
   * snapshot for it. The delay is lifted on the node at once: the fork already running keeps it, a later one
   * (a retry) does not.
   */
  const backUpSlowlyFrom = async (port: number, microsPerKey: number) => {
    await redisCli(port, ['CONFIG', 'SET', 'rdb-key-save-delay', String(microsPerKey)]);
    const created = await harness.app.inject({ method: 'POST', url: base(), payload: {} });
    assert.equal(created.statusCode, 200, created.body);
    try {
      await waitUntil('the source writes the snapshot', async () =>
        /rdb_bgsave_in_progress:1/.test(String((await command(port, 'INFO', 'persistence')).value)),
      );
    } finally {
      await redisCli(port, ['CONFIG', 'SET', 'rdb-key-save-delay', '0']);
    }
    return created.json().backup_id as string;
  };
  const filesOf = async (id: string) => {
    const { committed, partial } = await harness.deps.blobs.list();
    return [...committed, ...partial].filter((key) => key.startsWith(id));
  };

  it('a shard whose source fails over mid-transfer is read again from the new topology, and no key is missing', async () => {
    await waitForHealthyReplicas(cluster);
    const oldMaster = await slotOwnerPort(cluster, 0);
    const source = await replicaOf(cluster, oldMaster);
    // ~550 keys at 4 ms each: the snapshot is still being written when the replica is promoted (a manual
    // failover takes a few cluster ticks of 100 ms); the promoted node then drops the sync, once that snapshot
    // ends, without sending it.
    const id = await backUpSlowlyFrom(source, 4000);
    await redisCli(source, ['CLUSTER', 'FAILOVER']);
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base()}/${id}`)).json();
    assert.equal(detail.status, 'succeed', detail.error_message);
    const [first, ...others] = detail.shards as (ShardWire & { retried_after: string | null })[];
    assert.match(first!.retried_after ?? '', new RegExp(`^replica 127\\.0\\.0\\.1:${source} \\w+ failed: `));
    assert.ok([source, oldMaster].includes(first!.port), JSON.stringify(first));
    assert.ok(others.every((shard) => shard.retried_after === null));
    assert.equal(await slotOwnerPort(cluster, 0), source, 'the failover happened');
    assert.equal(
      detail.shards.reduce((sum: number, s: ShardWire) => sum + s.keys, 0),
      await totalKeys(await cluster.masterPorts()),
    );
    await harness.app.inject({ method: 'DELETE', url: `${base()}/${id}` });
  });

  it('a shard whose every node is killed mid-transfer fails the record after one retry, leaving no file of any shard', async () => {
    await waitForHealthyReplicas(cluster);
    const lastMaster = await slotOwnerPort(cluster, 16383);
    const source = await replicaOf(cluster, lastMaster);
    const id = await backUpSlowlyFrom(source, 4000);
    for (const port of [source, lastMaster]) await cluster.nodes.find((node) => node.port === port)!.stop();
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base()}/${id}`)).json();
    assert.equal(detail.status, 'failed');
    assert.match(
      detail.error_message,
      new RegExp(
        `^shard 2 \\(slots [0-9, -]+\\): replica 127\\.0\\.0\\.1:${source} \\w+ failed: .*; ` +
          `retried from master 127\\.0\\.0\\.1:${lastMaster} \\w+, which failed too: `,
      ),
    );
    assert.deepEqual(await filesOf(id), []);
  });
});
