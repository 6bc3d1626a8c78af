import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { redisCli } from '../support/redis-data.ts';
import { makeInstance } from '../support/records.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';
import { importFileKey } from '../../src/core/use-cases/store-import-file.ts';

const at = (port: number) => ({ host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false });

/** An AOF of `count` SETs: enough that the load is still running when the target is killed. */
function aofOf(count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `key:${i}`;
    const value = `value-${i}`.padEnd(64, '.');
    parts.push(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`);
  }
  return Buffer.from(parts.join(''));
}

describe('an import task whose target dies mid-way', () => {
  let opened: OpenedStore;
  let harness: BackupHarness;

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, new ManualClock(Date.UTC(2026, 0, 1)));
  });

  after(async () => {
    await harness?.close();
    await opened?.dispose();
  });

  it('ends FAILED saying the data may be incomplete, never SUCCESS, and never hangs', async () => {
    const doomed = await startRedisServer();
    const instance = makeInstance({ projectId: 'proj-fault', endpoint: at(doomed.port) });
    await opened.store.instances.insert(instance);
    const writer = await harness.deps.blobs.create(importFileKey('proj-fault', 'big.aof'));
    writer.stream.end(aofOf(400_000));
    await writer.commit();

    const created = await harness.app.inject({
      method: 'POST',
      url: '/v2/proj-fault/migration-task',
      payload: {
        task_name: 'doomed',
        migration_type: 'backupfile_import',
        migration_method: 'full_amount_migration',
        backup_files: {
          file_source: 'self_build_obs',
          bucket_name: 'dcs-backup',
          files: [{ file_name: importFileKey('proj-fault', 'big.aof') }],
        },
        target_instance: { id: instance.id },
      },
    });
    assert.equal(created.statusCode, 200, created.body);
    // Killed once the load has written keys: after the pre-flight and the flush, part-way through the commands.
    let killed = false;
    for (let i = 0; i < 6000 && !killed; i++) {
      const keys = Number(await redisCli(doomed.port, ['DBSIZE']).catch(() => '0'));
      if (keys > 0) {
        killed = true;
        await doomed.stop();
      } else await sleep(5);
    }
    assert.ok(killed, 'the load started before the target died');
    await harness.worker.idle();
    const task = (await harness.app.inject(`/v2/proj-fault/migration-task/${created.json().id}`)).json();
    assert.equal(task.status, 'FAILED');
    assert.match(task.error_message, /may be incomplete/);
  });
});
