import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { command } from '../support/redis-inspect.ts';
import { WatchedBlobs } from '../support/watched-blobs.ts';
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { replicationOf, waitUntil } from '../support/redis-sentinel.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PROJECT = 'project-a';

// The choice of source on a live pair without Sentinel; the Sentinel suite covers failover.
describe('a master/standby pair attached directly', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let blobs: WatchedBlobs;

  /** The instance and backup of the last attachAndBackUp, for the restore test. */
  const last = { base: '', backupId: '' };
  const attachAndBackUp = async (name: string, port: number, type: string) => {
    const attached = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: { project_id: PROJECT, name, url: `redis://127.0.0.1:${port}`, type },
    });
    assert.equal(attached.statusCode, 201, attached.body);
    const base = `/v2/${PROJECT}/instances/${attached.json().instance_id}`;
    const id = (await harness.app.inject({ method: 'POST', url: `${base}/backups`, payload: {} })).json()
      .backup_id;
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base}/backups/${id}`)).json();
    assert.equal(detail.status, 'succeed', JSON.stringify(detail));
    assert.deepEqual(detail.content.keys_per_db, { 0: 3 });
    Object.assign(last, { base, backupId: id });
    return detail.served_by as { role: string; address: string; reason: string };
  };

  before(async () => {
    master = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    replica = await startRedisServer([
      '--repl-diskless-sync-delay',
      '0',
      '--replicaof',
      '127.0.0.1',
      String(master.port),
    ]);
    for (const key of ['a', 'b', 'c']) await command(master.port, 'SET', key, key);
    await waitUntil(
      'the replica has every key',
      async () => (await command(replica.port, 'DBSIZE')).value === 3,
    );
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(Date.UTC(2026, 11, 2, 10)), {
      wrapBlobs: (inner) => (blobs = new WatchedBlobs(inner)),
    });
  });
  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await replica?.stop();
    await master?.stop();
  });

  it('attached by its master: the backup is read from the replica the master announces', async () => {
    const servedBy = await attachAndBackUp('by-master', master.port, 'master_standby');
    assert.equal(servedBy.role, 'replica', JSON.stringify(servedBy));
    assert.equal(servedBy.address, `127.0.0.1:${replica.port}`);
    assert.match(servedBy.reason, /the node attached/);
  });

  it('attached by the replica: its master is followed, and the healthy replica serves', async () => {
    const servedBy = await attachAndBackUp('by-replica', replica.port, 'master_standby');
    assert.equal(servedBy.role, 'replica', JSON.stringify(servedBy));
    assert.equal(servedBy.address, `127.0.0.1:${replica.port}`);
    assert.match(
      servedBy.reason,
      new RegExp(`the master of the attached replica 127\\.0\\.0\\.1:${replica.port}`),
    );
  });

  it('restores into the master of an instance attached by its replica', async () => {
    await attachAndBackUp('restore-target', replica.port, 'master_standby');
    await command(master.port, 'SET', 'written-after', 'goes away');
    const asked = await harness.app.inject({
      method: 'POST',
      url: `${last.base}/restores`,
      payload: { backup_id: last.backupId },
    });
    assert.equal(asked.statusCode, 200, asked.body);
    await harness.worker.idle();
    const restore = (await harness.app.inject(`${last.base}/restores/${asked.json().restore_id}`)).json();
    assert.equal(restore.status, 'succeed', JSON.stringify(restore));
    assert.equal(restore.target_address, `127.0.0.1:${master.port}`);
    assert.equal((await command(master.port, 'EXISTS', 'written-after')).value, 0);
    assert.equal((await command(master.port, 'DBSIZE')).value, 3);
  });

  it('a single instance is read from the node attached, whatever replicas it has', async () => {
    const servedBy = await attachAndBackUp('single', master.port, 'single');
    assert.deepEqual(servedBy, {
      role: 'master',
      address: `127.0.0.1:${master.port}`,
      reason: 'a single instance: read from the node attached',
    });
  });

  it('falls back to the master, saying so, when the address the replica announces cannot be reached', async () => {
    const closed = await freePort();
    await command(replica.port, 'CONFIG', 'SET', 'replica-announce-port', String(closed));
    await command(master.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
    await waitUntil('the master announces the replica at the closed port', async () => {
      const info = await replicationOf(master.port);
      return info.replicas.some((r) => r.port === closed && r.state === 'online');
    });
    const servedBy = await attachAndBackUp('unreachable', master.port, 'master_standby');
    assert.equal(servedBy.role, 'master', JSON.stringify(servedBy));
    assert.equal(servedBy.address, `127.0.0.1:${master.port}`);
    assert.match(
      servedBy.reason,
      new RegExp(
        `^no healthy replica \\(127\\.0\\.0\\.1:${closed} cannot be reached \\(.*\\)\\): read from the master`,
      ),
    );
  });

  it('a replica chosen as the source that dies before its transfer: read again from the master, and served_by says so', async () => {
    // The test before announced the replica at a closed port: it announces its own port again.
    await command(replica.port, 'CONFIG', 'SET', 'replica-announce-port', '0');
    await command(master.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
    await waitUntil('the master announces the replica at its own port', async () => {
      const info = await replicationOf(master.port);
      return info.replicas.some((r) => r.port === replica.port && r.state === 'online');
    });
    const attached = await harness.app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: {
        project_id: PROJECT,
        name: 'loses-its-replica',
        url: `redis://127.0.0.1:${master.port}`,
        type: 'master_standby',
      },
    });
    const base = `/v2/${PROJECT}/instances/${attached.json().instance_id}/backups`;
    // The file is created after the source is chosen and recorded: held there, the chosen replica dies.
    const release = blobs.holdCreates();
    const id = (await harness.app.inject({ method: 'POST', url: base, payload: {} })).json().backup_id;
    const detail = async () => (await harness.app.inject(`${base}/${id}`)).json();
    await waitUntil('the replica is chosen', async () => (await detail()).served_by?.role === 'replica');
    await replica.stop();
    release();
    await harness.worker.idle();
    const done = await detail();
    assert.equal(done.status, 'succeed', JSON.stringify(done));
    assert.deepEqual(done.content.keys_per_db, { 0: 3 });
    assert.equal(done.served_by.role, 'master');
    assert.equal(done.served_by.address, `127.0.0.1:${master.port}`);
    assert.match(
      done.served_by.reason,
      new RegExp(
        `^the replica 127\\.0\\.0\\.1:${replica.port} chosen first failed: .+; retried: .*read from the master`,
      ),
    );
  });
});
