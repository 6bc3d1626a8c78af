import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeInstance } from '../support/records.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { fillCluster, startRedisCluster, type RedisCluster } from '../support/redis-cluster.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);

describe('a cluster node is never backed up as if it were the whole data set', () => {
  let cluster: RedisCluster;
  let opened: OpenedStore;
  let harness: BackupHarness;

  before(async () => {
    cluster = await startRedisCluster(3, 1);
    await fillCluster(cluster.nodes[0]!.port, 300);
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
    assert.equal(response.json().type, 'cluster');
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
