import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { BackupStatus } from '../../src/core/backup-record.ts';
import { newId } from '../../src/core/ids.ts';
import { queuedJob } from '../../src/core/job.ts';
import { restoreNameFor, type StoredRestore } from '../../src/core/restore-record.ts';
import { KyselyBackupRepository } from '../../src/store/kysely-backup-repository.ts';
import type { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { KyselyRestoreRepository } from '../../src/store/kysely-restore-repository.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import type { Database } from '../../src/store/schema.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

/**
 * A write to one of an instance's records: `arrange` writes what the write needs (before the version is read)
 * and gives back the write itself.
 */
type Scenario = (store: KyselyMetadataStore, instanceId: string) => Promise<() => Promise<unknown>>;

// Every method of the backup and restore repositories is sorted here as a read or a write. A method added to
// either without being sorted fails the first test, so a new writer cannot escape the version check.
const BACKUP_READS = [
  'countByStatus',
  'dueForExpiry',
  'fileKeys',
  'filesAfter',
  'findById',
  'lastSucceededAt',
  'latestSucceededSize',
  'list',
  'liveIds',
  'retainedAutoBackups',
];
const RESTORE_READS = ['findById', 'list'];

const BACKUP_WRITES: Record<string, Scenario> = {
  insert: async (store, instanceId) => () => store.backups.insert(makeBackup(instanceId, NOW)),
  insertMany: async (store, instanceId) => () =>
    store.backups.insertMany([makeBackup(instanceId, NOW), makeBackup(instanceId, NOW + 1)]),
  insertQueued: async (store, instanceId) => () => {
    const record = makeBackup(instanceId, NOW, { status: 'waiting', progressHundredths: 0 });
    return store.backups.insertQueued(record, queuedJob('backup', instanceId, record.id, NOW));
  },
  insertScheduled: async (store, instanceId) => async () => {
    const record = makeBackup(instanceId, NOW, { type: 'auto', status: 'failed' });
    assert.equal(await store.backups.insertScheduled(record, null, 'skipped'), 'inserted');
  },
  update: async (store, instanceId) => {
    const id = await backupIn(store, instanceId, 'backuping');
    return () => store.backups.update(id, { progressHundredths: 5_000 });
  },
  transition: async (store, instanceId) => {
    const id = await backupIn(store, instanceId, 'backuping');
    return async () =>
      assert.equal(await store.backups.transition(id, ['backuping'], 'succeed', { updatedAt: NOW }), true);
  },
  setExpiries: async (store, instanceId) => {
    const id = await backupIn(store, instanceId, 'succeed');
    return () => store.backups.setExpiries(new Map([[id, NOW + 86_400_000]]));
  },
  expire: async (store, instanceId) => {
    const id = await backupIn(store, instanceId, 'succeed');
    return async () => assert.equal(await store.backups.expire(id), true);
  },
  markFileMissing: async (store, instanceId) => {
    const id = await backupIn(store, instanceId, 'succeed');
    await store.backups.update(id, { fileKey: `${id}.rdb` });
    return async () => assert.equal(await store.backups.markFileMissing(id, 'gone'), true);
  },
};

const RESTORE_WRITES: Record<string, Scenario> = {
  insertQueued: async (store, instanceId) => () => queueRestore(store, instanceId),
  update: async (store, instanceId) => {
    const id = await queueRestore(store, instanceId);
    return () => store.restores.update(id, { progressHundredths: 2_500 });
  },
  transition: async (store, instanceId) => {
    const id = await queueRestore(store, instanceId);
    return async () =>
      assert.equal(await store.restores.transition(id, ['waiting'], 'restoring', { startedAt: NOW }), true);
  },
};

async function backupIn(store: KyselyMetadataStore, instanceId: string, status: BackupStatus) {
  const record = makeBackup(instanceId, NOW - 60_000, {
    status,
    progressHundredths: status === 'succeed' ? 10_000 : 0,
  });
  await store.backups.insert(record);
  return record.id;
}

async function queueRestore(store: KyselyMetadataStore, instanceId: string): Promise<string> {
  const stored: StoredRestore = {
    record: {
      id: newId(),
      instanceId,
      backupId: newId(),
      backupName: 'backup_20260110120000',
      backupRemark: null,
      name: restoreNameFor(NOW),
      remark: null,
      status: 'waiting',
      progressHundredths: 0,
      errorCode: null,
      createdAt: NOW,
      updatedAt: null,
    },
    detail: { sourceInstanceId: instanceId, errorMessage: null, startedAt: null, report: null },
  };
  await store.restores.insertQueued(stored, queuedJob('restore', instanceId, stored.record.id, NOW));
  return stored.record.id;
}

const methodsOf = (prototype: object) =>
  Object.getOwnPropertyNames(prototype)
    .filter((name) => name !== 'constructor')
    .sort();

const versionOf = async (store: KyselyMetadataStore, instanceId: string) =>
  (await store.instances.listingVersion(instanceId))?.version;

describe('listing version: the write methods are known', () => {
  it('sorts each method of the backup and restore repositories as a read or a write', () => {
    assert.deepEqual(
      methodsOf(KyselyBackupRepository.prototype),
      [...BACKUP_READS, ...Object.keys(BACKUP_WRITES)].sort(),
    );
    assert.deepEqual(
      methodsOf(KyselyRestoreRepository.prototype),
      [...RESTORE_READS, ...Object.keys(RESTORE_WRITES)].sort(),
    );
  });
});

for (const kind of STORE_KINDS) {
  describe(`listing version on ${kind.name}`, () => {
    let opened: OpenedStore;
    // A second connection to the same database, as another process (or an operator's SQL client) has.
    let raw: Kysely<Database>;

    before(async () => {
      opened = await kind.open();
      raw = await openDatabase(opened.location);
    });

    after(async () => {
      await raw.destroy();
      await opened.dispose();
    });

    const freshInstance = async () => {
      const instance = makeInstance();
      await opened.store.instances.insert(instance);
      return instance.id;
    };

    const writes = [
      ...Object.entries(BACKUP_WRITES).map(([name, scenario]) => [`backups.${name}`, scenario] as const),
      ...Object.entries(RESTORE_WRITES).map(([name, scenario]) => [`restores.${name}`, scenario] as const),
    ];
    for (const [name, scenario] of writes) {
      it(`${name} bumps the instance's version, and no other instance's`, async () => {
        const instanceId = await freshInstance();
        const bystander = await freshInstance();
        const write = await scenario(opened.store, instanceId);
        const before = await versionOf(opened.store, instanceId);
        const bystanderBefore = await versionOf(opened.store, bystander);
        await write();
        assert.notEqual(await versionOf(opened.store, instanceId), before);
        assert.equal(await versionOf(opened.store, bystander), bystanderBefore);
      });
    }

    it('a write that goes around the repositories (plain SQL on another connection) bumps it too', async () => {
      const instanceId = await freshInstance();
      const record = makeBackup(instanceId, NOW);
      await opened.store.backups.insert(record);
      const before = await versionOf(opened.store, instanceId);
      await sql`UPDATE backups SET remark = ${'by hand'} WHERE id = ${record.id}`.execute(raw);
      const updated = await versionOf(opened.store, instanceId);
      assert.notEqual(updated, before);
      await sql`DELETE FROM backups WHERE id = ${record.id}`.execute(raw);
      assert.notEqual(await versionOf(opened.store, instanceId), updated);
    });

    it('a write rolled back leaves the version as it was', async () => {
      const instanceId = await freshInstance();
      const record = makeBackup(instanceId, NOW);
      await opened.store.backups.insert(record);
      const before = await versionOf(opened.store, instanceId);
      await assert.rejects(
        raw.transaction().execute(async (tx) => {
          await tx.updateTable('backups').set({ remark: 'never' }).where('id', '=', record.id).execute();
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await versionOf(opened.store, instanceId), before);
    });

    it("gives an instance's project with its version, and nothing for an unknown instance", async () => {
      const instanceId = await freshInstance();
      assert.equal((await opened.store.instances.listingVersion(instanceId))?.projectId, 'project-a');
      assert.equal(await opened.store.instances.listingVersion(newId()), undefined);
    });
  });
}
