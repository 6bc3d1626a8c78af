import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Instance } from '../../src/core/instance.ts';
import { TYPE } from '../../src/engine/rdb/rdb-types.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { keyEntry, rdbString, rdbWithKeys, stringKey } from '../support/empty-collections-rdb.ts';
import { startFakeMaster, type FakeMaster } from '../support/fake-master.ts';
import { makeInstance } from '../support/records.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { startPrimaryWithReplica } from '../support/replica-pair.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const PROJECT = 'project-a';
const NOW = Date.UTC(2026, 10, 27, 10);

const attach = (port: number, name: string): Instance =>
  makeInstance({
    projectId: PROJECT,
    name,
    endpoint: { host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false },
  });

// The record's wiring, not the store: one store kind is enough here (restores.test.ts runs every kind).
describe('a restore that falls back from the fast path and then fails', () => {
  let master: FakeMaster;
  let primary: RedisServer;
  let replica: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;

  before(async () => {
    // A listpack whose header claims 99 bytes: the walk passes over it; RESTORE refuses it.
    const corrupt = Buffer.from([99, 0, 0, 0, 0, 0, 0xff]);
    const rdb = rdbWithKeys([
      stringKey('first', 'one'),
      keyEntry(TYPE.ZSET_LISTPACK, 'bad', rdbString(corrupt)),
    ]);
    master = await startFakeMaster({
      afterSync: [Buffer.from(`+FULLRESYNC ${'b'.repeat(40)} 0\r\n$${rdb.length}\r\n`), rdb],
    });
    ({ primary, replica } = await startPrimaryWithReplica());
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(NOW), {
      restoreFastPath: { advertiseHost: '127.0.0.1' },
    });
  });
  after(async () => {
    await harness.close();
    await opened.dispose();
    await master.close();
    await replica.stop();
    await primary.stop();
  });

  it('keeps the fallback and its reason in the failed record', async () => {
    const source = attach(master.port, 'scripted');
    const target = attach(primary.port, 'has-a-replica');
    for (const instance of [source, target]) await opened.store.instances.insert(instance);
    const base = (instance: Instance) => `/v2/${PROJECT}/instances/${instance.id}`;
    const backupId = (
      await harness.app.inject({ method: 'POST', url: `${base(source)}/backups`, payload: {} })
    ).json().backup_id;
    await harness.worker.idle();
    const restoreId = (
      await harness.app.inject({
        method: 'POST',
        url: `${base(target)}/restores`,
        payload: { backup_id: backupId },
      })
    ).json().restore_id;
    await harness.worker.idle();
    const detail = (await harness.app.inject(`${base(target)}/restores/${restoreId}`)).json();
    assert.equal(detail.status, 'failed', JSON.stringify(detail));
    assert.equal(detail.error_code, 'dcs.08.0007');
    assert.match(detail.error_message, /key "bad".*Bad data format/);
    assert.deepEqual(detail.warnings, [
      'the replication fast path was not used (the target has replicas of its own, which would all resynchronise); keys were written with commands',
    ]);
  });
});
