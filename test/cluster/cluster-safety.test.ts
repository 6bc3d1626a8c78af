import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeInstance } from '../support/records.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import {
  fillCluster,
  slotOwnerPort,
  startRedisCluster,
  waitForClusterOk,
  type RedisCluster,
} from '../support/redis-cluster.ts';
import { redisCli } from '../support/redis-data.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);

describe('a cluster node is never backed up as if it were the whole data set', () => {
  let cluster: RedisCluster;
  let opened: OpenedStore;
  let harness: BackupHarness;

  before(async () => {
    cluster = await startRedisCluster(3, 1);
    await fillCluster(cluster, 300);
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(NOW));
  });

  after(async () => {
    await harness.close();
    await opened.dispose();
    await cluster.stop();
  });

  it('attaching a cluster node with type single records a cluster', async () => {
    const response = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: {
        project_id: 'project-a',
        name: 'orders',
        url: `redis://127.0.0.1:${cluster.nodes[0]!.port}/0`,
        type: 'single',
      },
    });
    assert.equal(response.statusCode, 201, response.body);
    const attached = response.json();
    assert.equal(attached.type, 'cluster');
    assert.equal(attached.sharding_count, 3);
    const masters = new Set(await cluster.masterPorts());
    assert.deepEqual(
      new Set(attached.shards.map((s: { master: { port: number } }) => s.master.port)),
      masters,
    );
    for (const shard of attached.shards) assert.equal(shard.replicas.length, 1);
    assert.equal(
      attached.shards.reduce((sum: number, s: { slot_count: number }) => sum + s.slot_count, 0),
      16384,
    );
    const dcsView = await harness.app.inject({
      method: 'GET',
      url: `/v2/project-a/instances/${attached.instance_id}`,
    });
    assert.equal(dcsView.json().cache_mode, 'cluster');
    assert.deepEqual(dcsView.json().shards, attached.shards);
  });

  it('attaching a standalone server as a cluster is refused', async () => {
    const standalone = await startRedisServer();
    try {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/admin/v1/instances',
        payload: {
          project_id: 'project-a',
          name: 'plain',
          url: `redis://127.0.0.1:${standalone.port}/0`,
          type: 'cluster',
        },
      });
      assert.equal(response.statusCode, 400);
      assert.match(response.json().error_msg, /cluster_enabled:0/);
    } finally {
      await standalone.stop();
    }
  });

  it('attaching a cluster that does not serve every slot is refused, naming the ranges', async () => {
    const ownerOf100 = await slotOwnerPort(cluster, 100);
    await redisCli(ownerOf100, ['CLUSTER', 'DELSLOTSRANGE', '100', '199']);
    try {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/admin/v1/instances',
        payload: { project_id: 'project-a', name: 'holes', url: `redis://127.0.0.1:${ownerOf100}/0` },
      });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().error_code, 'DCS.4950');
      assert.match(response.json().error_msg, /slots 100-199\b/);
    } finally {
      await redisCli(ownerOf100, ['CLUSTER', 'ADDSLOTSRANGE', '100', '199']);
      await waitForClusterOk(cluster.nodes.map((n) => n.port));
    }
  });

  it('a backup of an instance recorded as single whose node is now a cluster node fails, leaving no file', async () => {
    const instance = makeInstance({
      type: 'single',
      endpoint: {
        host: '127.0.0.1',
        port: cluster.nodes[1]!.port,
        db: 0,
        username: null,
        password: null,
        tls: false,
      },
    });
    await opened.store.instances.insert(instance);
    const base = `/v2/${instance.projectId}/instances/${instance.id}/backups`;
    const created = await harness.app.inject({ method: 'POST', url: base, payload: {} });
    assert.equal(created.statusCode, 200, created.body);
    await harness.worker.idle();
    const record = (
      await harness.app.inject({ method: 'GET', url: `${base}/${created.json().backup_id}` })
    ).json();
    assert.equal(record.status, 'failed');
    assert.match(record.error_message, /cluster_enabled:1/);
    assert.deepEqual((await harness.deps.blobs.list()).committed, []);
  });
});
