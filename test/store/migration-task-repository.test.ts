import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/core/ids.ts';
import { queuedJob } from '../../src/core/job.ts';
import type { MigrationTask } from '../../src/core/migration-task.ts';
import { makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

function task(instanceId: string, at: number, name = 'task'): MigrationTask {
  return {
    id: newId(),
    projectId: 'project-a',
    name,
    description: null,
    status: 'MIGRATING',
    targetInstanceId: instanceId,
    fileSource: 'self_build_obs',
    bucketName: 'b',
    files: [{ fileName: 'dump.rdb', size: '10', updateAt: null }],
    backupId: null,
    errorMessage: null,
    report: null,
    createdAt: at,
    updatedAt: null,
  };
}

for (const kind of STORE_KINDS) {
  describe(`migration tasks in ${kind.name}`, () => {
    let opened: OpenedStore;
    before(async () => (opened = await kind.open()));
    after(async () => opened?.dispose());

    it('queue with their job, hold the instance, finish the job when they end, list and delete', async () => {
      const { store } = opened;
      const instance = makeInstance();
      await store.instances.insert(instance);
      const first = task(instance.id, 1000, 'first');
      await store.migrationTasks.insertQueued(first, queuedJob('import', instance.id, first.id, 1000));
      // One unfinished job per instance: a second task waits for the first to end.
      const second = task(instance.id, 2000, 'second');
      await assert.rejects(
        store.migrationTasks.insertQueued(second, queuedJob('import', instance.id, second.id, 2000)),
        /backuping|restoring/,
      );
      assert.deepEqual(await store.migrationTasks.removeFinished('project-a', [first.id]), []);
      const report = { format: 'rdb' as const, rdbVersion: 11, commands: 5, keys: 2, warnings: [] };
      assert.equal(
        await store.migrationTasks.transition(first.id, ['MIGRATING'], 'SUCCESS', {
          report,
          updatedAt: 1500,
        }),
        true,
      );
      assert.equal(
        await store.migrationTasks.transition(first.id, ['MIGRATING'], 'FAILED', { updatedAt: 1600 }),
        false,
      );
      await store.migrationTasks.insertQueued(second, queuedJob('import', instance.id, second.id, 2000));
      const page = await store.migrationTasks.list('project-a', { offset: 0, limit: 10 });
      assert.equal(page.total, 2);
      assert.deepEqual(
        page.tasks.map((t) => t.name),
        ['second', 'first'],
      );
      assert.deepEqual(page.tasks[1]!.report, report);
      assert.deepEqual(page.tasks[1]!.files, first.files);
      assert.equal(
        (await store.migrationTasks.list('project-a', { offset: 0, limit: 10, name: 'first' })).total,
        1,
      );
      assert.equal((await store.migrationTasks.list('project-b', { offset: 0, limit: 10 })).total, 0);
      assert.deepEqual(await store.migrationTasks.removeFinished('project-b', [first.id]), []);
      assert.deepEqual(await store.migrationTasks.removeFinished('project-a', [first.id, second.id]), [
        first.id,
      ]);
      assert.equal(await store.migrationTasks.findById(first.id), undefined);
      assert.equal((await store.migrationTasks.findById(second.id))?.status, 'MIGRATING');
    });
  });
}
