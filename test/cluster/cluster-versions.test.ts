import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { fillCluster, startRedisCluster, totalKeys, type RedisCluster } from '../support/redis-cluster.ts';
import { sharedBinariesAvailable, sharedBinary } from '../support/shared-bin.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);
const BUILDS = ['redis-7.2.6/redis-server', 'valkey-8.1.1/valkey-server', 'valkey-9.1.2/valkey-server'];
const available = sharedBinariesAvailable();

for (const build of BUILDS) {
  describe(`a cluster backup of ${build.split('/')[0]}`, { skip: !available }, () => {
    let cluster: RedisCluster;
    let opened: OpenedStore;
    let harness: BackupHarness;

    before(async () => {
      // Three masters, one replica each: CLUSTER SHARDS as this build answers it, replicas as sources.
      cluster = await startRedisCluster(3, 1, sharedBinary(build));
      await fillCluster(cluster, 300);
      opened = await STORE_KINDS[0]!.open();
      harness = await startBackupHarness(opened.store, new ManualClock(NOW));
    });

    after(async () => {
      await harness?.close();
      await opened?.dispose();
      await cluster?.stop();
    });

    it('takes every shard from a replica, the keys adding up to the cluster', async () => {
      const attached = await harness.app.inject({
        method: 'POST',
        url: '/admin/v1/instances',
        payload: { project_id: 'project-a', name: 'c', url: `redis://127.0.0.1:${cluster.nodes[2]!.port}/0` },
      });
      assert.equal(attached.statusCode, 201, attached.body);
      assert.equal(attached.json().sharding_count, 3);
      const base = `/v2/project-a/instances/${attached.json().instance_id}/backups`;
      const created = await harness.app.inject({ method: 'POST', url: base, payload: {} });
      await harness.worker.idle();
      const detail = (await harness.app.inject(`${base}/${created.json().backup_id}`)).json();
      assert.equal(detail.status, 'succeed', detail.error_message);
      const shards = detail.shards as { keys: number; role: string }[];
      assert.equal(shards.length, 3);
      assert.ok(shards.every((s) => s.role === 'replica'));
      const masters = await cluster.masterPorts();
      assert.equal(
        shards.reduce((sum, s) => sum + s.keys, 0),
        await totalKeys(masters),
      );
    });
  });
}
