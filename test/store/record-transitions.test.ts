import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackupStatus } from '../../src/core/backup-record.ts';
import { queuedJob } from '../../src/core/job.ts';
import { ACTIVE_BACKUP_STATUSES } from '../../src/core/record-states.ts';
import { restoreNameFor, type StoredRestore } from '../../src/core/restore-record.ts';
import { newId } from '../../src/core/ids.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 8, 1, 12, 0, 0);

for (const kind of STORE_KINDS) {
  describe(`record transitions on ${kind.name}`, () => {
    let opened: OpenedStore;

    before(async () => {
      opened = await kind.open();
    });

    after(() => opened.dispose());

    /** A backup record in `status`, of a fresh instance, with a queued job when it is active. */
    const backupIn = async (status: BackupStatus) => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      const record = makeBackup(instance.id, NOW, {
        status,
        sizeBytes: 0,
        progressHundredths: 0,
        restorable: status === 'succeed',
        updatedAt: null,
      });
      if (ACTIVE_BACKUP_STATUSES.includes(status)) {
        await opened.store.backups.insertQueued(record, queuedJob('backup', instance.id, record.id, NOW));
      } else await opened.store.backups.insert(record);
      return { instance, record };
    };

    const stored = async (id: string) => (await opened.store.backups.findById(id))!;

    it('moves a record along an edge only from the states named', async () => {
      const { record } = await backupIn('waiting');
      assert.equal(await opened.store.backups.transition(record.id, ['backuping'], 'succeed'), false);
      assert.equal((await stored(record.id)).record.status, 'waiting');
      assert.equal(
        await opened.store.backups.transition(record.id, ['waiting'], 'backuping', { startedAt: NOW }),
        true,
      );
      const after = await stored(record.id);
      assert.equal(after.record.status, 'backuping');
      assert.equal(after.detail.startedAt, NOW);
    });

    for (const ended of ['failed', 'deleted'] as const) {
      it(`never moves a ${ended} record back to backuping or succeed, nor writes its progress`, async () => {
        const { record } = await backupIn('backuping');
        if (ended === 'failed') {
          await opened.store.backups.transition(record.id, ['backuping'], 'failed', {
            errorCode: 'dcs.08.0002',
            errorMessage: 'reaped',
            updatedAt: NOW + 1,
          });
        } else {
          await opened.store.backups.transition(record.id, ['backuping'], 'failed', { updatedAt: NOW + 1 });
          await opened.store.backups.transition(record.id, ['failed'], 'deleted');
        }
        const before = await stored(record.id);
        assert.equal(before.record.status, ended);

        // A late writer: the job's own edges, from the states it believes the record is in.
        const progress = await opened.store.backups.transition(record.id, ['backuping'], 'backuping', {
          bytesReceived: 5000,
          progressHundredths: 4200,
        });
        const success = await opened.store.backups.transition(record.id, ['backuping'], 'succeed', {
          progressHundredths: 10_000,
          restorable: true,
          fileKey: `${record.id}.rdb`,
          updatedAt: NOW + 2,
        });
        const restart = await opened.store.backups.transition(record.id, ['waiting'], 'backuping');
        assert.deepEqual([progress, success, restart], [false, false, false]);
        assert.deepEqual(await stored(record.id), before);
        // And no edge leads there from the ended state itself.
        await assert.rejects(opened.store.backups.transition(record.id, [ended], 'succeed'), /transition/);
        await assert.rejects(opened.store.backups.transition(record.id, [ended], 'backuping'), /transition/);
      });
    }

    it('lets exactly one of two racing writers end a running backup', async () => {
      const { record } = await backupIn('backuping');
      const outcomes = await Promise.all([
        opened.store.backups.transition(record.id, ['backuping'], 'succeed', { updatedAt: NOW + 1 }),
        opened.store.backups.transition(record.id, ['waiting', 'backuping'], 'failed', {
          errorCode: 'dcs.08.0002',
          updatedAt: NOW + 1,
        }),
      ]);
      assert.equal(outcomes.filter(Boolean).length, 1);
      const status = (await stored(record.id)).record.status;
      assert.equal(status, outcomes[0] ? 'succeed' : 'failed');
    });

    it('frees the instance in the same step as the backup ends', async () => {
      const { instance, record } = await backupIn('waiting');
      const next = makeBackup(instance.id, NOW + 1, { status: 'waiting' });
      const nextJob = () => queuedJob('backup', instance.id, next.id, NOW + 1);
      await assert.rejects(opened.store.backups.insertQueued(next, nextJob()), {
        code: 'backup_in_progress',
      });
      await opened.store.backups.transition(record.id, ['waiting'], 'backuping');
      await assert.rejects(opened.store.backups.insertQueued(next, nextJob()), {
        code: 'backup_in_progress',
      });
      // Progress keeps it busy; success frees it, with no separate job update.
      await opened.store.backups.transition(record.id, ['backuping'], 'backuping', { bytesReceived: 1 });
      await assert.rejects(opened.store.backups.insertQueued(next, nextJob()), {
        code: 'backup_in_progress',
      });
      assert.equal(
        await opened.store.backups.transition(record.id, ['backuping'], 'succeed', { updatedAt: NOW + 5 }),
        true,
      );
      await opened.store.backups.insertQueued(next, nextJob());
      assert.equal((await stored(next.id)).record.status, 'waiting');
    });

    it('refuses to end a job without saying when', async () => {
      const { record } = await backupIn('backuping');
      await assert.rejects(opened.store.backups.transition(record.id, ['backuping'], 'succeed'), /updatedAt/);
      assert.equal((await stored(record.id)).record.status, 'backuping');
    });

    it('expires and deletes only from the states that allow it', async () => {
      const { record } = await backupIn('succeed');
      assert.equal(await opened.store.backups.expire(record.id), true);
      assert.equal(await opened.store.backups.expire(record.id), false);
      assert.equal(await opened.store.backups.transition(record.id, ['succeed'], 'deleted'), false);
      assert.equal(await opened.store.backups.transition(record.id, ['expired'], 'deleted'), true);
      assert.equal((await stored(record.id)).record.status, 'deleted');
    });

    describe('restores', () => {
      const restoreIn = async () => {
        const instance = makeInstance();
        await opened.store.instances.insert(instance);
        const backup = makeBackup(instance.id, NOW);
        await opened.store.backups.insert(backup);
        const restore: StoredRestore = {
          record: {
            id: newId(),
            instanceId: instance.id,
            backupId: backup.id,
            backupName: backup.name,
            backupRemark: null,
            name: restoreNameFor(NOW),
            remark: null,
            status: 'waiting',
            progressHundredths: 0,
            errorCode: null,
            createdAt: NOW,
            updatedAt: null,
          },
          detail: { sourceInstanceId: instance.id, errorMessage: null, startedAt: null, report: null },
        };
        await opened.store.restores.insertQueued(
          restore,
          queuedJob('restore', instance.id, restore.record.id, NOW),
        );
        return { instance, id: restore.record.id };
      };

      it('never moves a failed restore to succeed, nor writes its progress', async () => {
        const { id } = await restoreIn();
        assert.equal(
          await opened.store.restores.transition(id, ['waiting'], 'restoring', { startedAt: NOW }),
          true,
        );
        assert.equal(
          await opened.store.restores.transition(id, ['waiting', 'restoring'], 'failed', {
            errorCode: 'dcs.08.0002',
            errorMessage: 'reaped',
            updatedAt: NOW + 1,
          }),
          true,
        );
        const before = await opened.store.restores.findById(id);
        const late = await Promise.all([
          opened.store.restores.transition(id, ['restoring'], 'restoring', { progressHundredths: 5000 }),
          opened.store.restores.transition(id, ['restoring'], 'succeed', {
            progressHundredths: 10_000,
            updatedAt: NOW + 2,
          }),
        ]);
        assert.deepEqual(late, [false, false]);
        assert.deepEqual(await opened.store.restores.findById(id), before);
        await assert.rejects(opened.store.restores.transition(id, ['failed'], 'succeed'), /transition/);
      });

      it('frees the instance when the restore ends', async () => {
        const { instance, id } = await restoreIn();
        const backup = makeBackup(instance.id, NOW + 1, { status: 'waiting' });
        const job = () => queuedJob('backup', instance.id, backup.id, NOW + 1);
        await assert.rejects(opened.store.backups.insertQueued(backup, job()), {
          code: 'restore_in_progress',
        });
        await opened.store.restores.transition(id, ['waiting'], 'restoring');
        await opened.store.restores.transition(id, ['restoring'], 'succeed', { updatedAt: NOW + 3 });
        await opened.store.backups.insertQueued(backup, job());
      });
    });
  });
}
