import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { command } from '../support/redis-inspect.ts';
import { freePort } from '../support/redis-server.ts';
import {
  failOver,
  MASTER_NAME,
  masterPortBy,
  replicationOf,
  startSentinelTopology,
  waitUntil,
  type SentinelTopology,
} from '../support/redis-sentinel.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PROJECT = 'project-a';
const KEYS = 40;

describe('a master/standby pair found through three Sentinels', () => {
  let topology: SentinelTopology;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let instanceId: string;
  let firstBackupId: string;
  const base = () => `/v2/${PROJECT}/instances/${instanceId}`;

  const backUp = async () => {
    const created = await harness.app.inject({ method: 'POST', url: `${base()}/backups`, payload: {} });
    assert.equal(created.statusCode, 200, created.body);
    const id = created.json().backup_id as string;
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base()}/backups/${id}`)).json();
    assert.equal(detail.status, 'succeed', JSON.stringify(detail));
    return detail;
  };

  before(async () => {
    topology = await startSentinelTopology();
    for (let i = 0; i < KEYS; i++) await command(topology.master.port, 'SET', `key:${i}`, `value ${i}`);
    await waitUntil('the replica has every key', async () => {
      const size = await command(topology.replica.port, 'DBSIZE');
      return size.value === KEYS;
    });
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(Date.UTC(2026, 11, 2, 10)));
  });
  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await topology?.stop();
  });

  it('attaches by the Sentinels (the first one listed down) and backs up from the healthy replica', async () => {
    const down = await freePort();
    const attached = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: {
        project_id: PROJECT,
        name: 'orders',
        url: `redis-sentinel://127.0.0.1:${down},${topology.sentinelList}/${MASTER_NAME}`,
      },
    });
    assert.equal(attached.statusCode, 201, attached.body);
    const instance = attached.json();
    instanceId = instance.instance_id;
    assert.equal(instance.type, 'master_standby');
    assert.equal(instance.port, topology.master.port, 'the master the Sentinels named');
    assert.equal(
      instance.url,
      `redis-sentinel://127.0.0.1:${down},${topology.sentinelList}/${MASTER_NAME}/0`,
    );

    const detail = await backUp();
    firstBackupId = detail.backup_id;
    assert.equal(detail.served_by.role, 'replica', JSON.stringify(detail.served_by));
    assert.equal(detail.served_by.address, `127.0.0.1:${topology.replica.port}`);
    assert.match(
      detail.served_by.reason,
      new RegExp(`healthy replica of the master 127\\.0\\.0\\.1:${topology.master.port}`),
    );
    assert.match(detail.served_by.reason, /according to the Sentinel at/);
    assert.deepEqual(detail.content.keys_per_db, { 0: KEYS });
  });

  it('follows a SENTINEL FAILOVER: the next backup comes from the old master, now the replica', async () => {
    await failOver(topology, topology.master, topology.replica);
    const detail = await backUp();
    // What the detail says matches the topology INFO shows.
    const old = await replicationOf(topology.master.port);
    assert.equal(old.role, 'replica');
    assert.equal(old.master?.port, topology.replica.port);
    assert.equal(detail.served_by.role, 'replica', JSON.stringify(detail.served_by));
    assert.equal(detail.served_by.address, `127.0.0.1:${topology.master.port}`);
    assert.match(
      detail.served_by.reason,
      new RegExp(`of the master 127\\.0\\.0\\.1:${topology.replica.port}`),
    );
    assert.deepEqual(detail.content.keys_per_db, { 0: KEYS });
  });

  it('restores into the master the Sentinels name now, not the one seen at attach', async () => {
    assert.equal(await masterPortBy(topology.sentinels[1]!.port), topology.replica.port);
    await command(topology.replica.port, 'SET', 'written-after', 'goes away');
    const asked = await harness.app.inject({
      method: 'POST',
      url: `${base()}/restores`,
      payload: { backup_id: firstBackupId },
    });
    assert.equal(asked.statusCode, 200, asked.body);
    await harness.worker.idle();
    const restore = (await harness.app.inject(`${base()}/restores/${asked.json().restore_id}`)).json();
    assert.equal(restore.status, 'succeed', JSON.stringify(restore));
    assert.equal(restore.target_address, `127.0.0.1:${topology.replica.port}`);
    assert.equal((await command(topology.replica.port, 'DBSIZE')).value, KEYS);
    assert.equal((await command(topology.replica.port, 'EXISTS', 'written-after')).value, 0);
    assert.equal((await command(topology.replica.port, 'GET', 'key:7')).value, 'value 7');
  });

  it('backs up from the master, saying why, while the replica is down', async () => {
    await topology.master.stop(); // the old master, the replica since the failover
    const detail = await backUp();
    assert.equal(detail.served_by.role, 'master', JSON.stringify(detail.served_by));
    assert.equal(detail.served_by.address, `127.0.0.1:${topology.replica.port}`);
    assert.match(
      detail.served_by.reason,
      new RegExp(
        `(no replica is attached|127\\.0\\.0\\.1:${topology.master.port} cannot be reached).*: read from the master`,
      ),
    );
    assert.deepEqual(detail.content.keys_per_db, { 0: KEYS });
  });

  it('refuses an attach no Sentinel can answer, naming each, and a type other than master_standby', async () => {
    const down = await freePort();
    const attach = (url: string, type?: string) =>
      harness.app.inject({
        method: 'POST',
        url: '/admin/v1/instances',
        payload: { project_id: PROJECT, name: 'refused', url, ...(type ? { type } : {}) },
      });
    const unknown = await attach(
      `redis-sentinel://127.0.0.1:${down},127.0.0.1:${topology.sentinels[0]!.port}/nope`,
    );
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.equal(unknown.json().error_code, 'DCS.4901');
    assert.match(unknown.json().error_msg, new RegExp(`127\\.0\\.0\\.1:${down}: .*refused`));
    assert.match(unknown.json().error_msg, /does not monitor a master named "nope"/);
    const single = await attach(`redis-sentinel://${topology.sentinelList}/${MASTER_NAME}`, 'single');
    assert.equal(single.statusCode, 400, single.body);
    assert.match(single.json().error_msg, /master_standby/);
  });

  it('asks Sentinels that have a password of their own with sentinel_password, never showing it', async () => {
    const secret = 'sentinel-only-secret';
    for (const sentinel of topology.sentinels) {
      await command(sentinel.port, 'ACL', 'SETUSER', 'default', 'on', `>${secret}`);
    }
    const attach = (query: string) =>
      harness.app.inject({
        method: 'POST',
        url: '/admin/v1/instances',
        payload: {
          project_id: PROJECT,
          name: 'guarded',
          url: `redis-sentinel://${topology.sentinelList}/${MASTER_NAME}${query}`,
        },
      });
    const without = await attach('');
    assert.equal(without.statusCode, 400, without.body);
    assert.match(without.json().error_msg, /requires a password/);
    const attached = await attach(`?sentinel_password=${secret}`);
    assert.equal(attached.statusCode, 201, attached.body);
    assert.equal(attached.json().port, topology.replica.port);
    const id = attached.json().instance_id as string;
    const shown = (await harness.app.inject(`/admin/v1/instances/${id}`)).body;
    assert.ok(!shown.includes(secret) && !attached.body.includes(secret), 'the Sentinel password is shown');
    const created = await harness.app.inject({
      method: 'POST',
      url: `/v2/${PROJECT}/instances/${id}/backups`,
      payload: {},
    });
    await harness.worker.idle();
    const detail = (
      await harness.app.inject(`/v2/${PROJECT}/instances/${id}/backups/${created.json().backup_id}`)
    ).json();
    assert.equal(detail.status, 'succeed', JSON.stringify(detail));
    assert.match(detail.served_by.reason, /according to the Sentinel at/);
  });
});
