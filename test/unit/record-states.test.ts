import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKUP_STATUSES, type BackupStatus } from '../../src/core/backup-record.ts';
import {
  ACTIVE_BACKUP_STATUSES,
  ACTIVE_RESTORE_STATUSES,
  BACKUP_TRANSITIONS,
  checkTransition,
  endsJob,
  RESTORE_TRANSITIONS,
} from '../../src/core/record-states.ts';
import { RESTORE_STATUSES, type RestoreStatus } from '../../src/core/restore-record.ts';

/** Every state reachable from `start` along the table's edges. */
function reachable<S extends string>(table: { readonly [K in S]: readonly S[] }, start: S): Set<S> {
  const seen = new Set<S>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const next of table[queue.shift()!]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('the backup record state machine', () => {
  it('has a row for every status and names only known statuses', () => {
    assert.deepEqual(Object.keys(BACKUP_TRANSITIONS).sort(), [...BACKUP_STATUSES].sort());
    for (const targets of Object.values(BACKUP_TRANSITIONS)) {
      for (const to of targets) assert.ok(BACKUP_STATUSES.includes(to), to);
    }
  });

  it('follows DCS: waiting → backuping → succeed | failed, then expired or deleted', () => {
    assert.deepEqual(
      Object.fromEntries(Object.entries(BACKUP_TRANSITIONS).map(([from, to]) => [from, [...to].sort()])),
      {
        waiting: ['backuping', 'failed'],
        backuping: ['backuping', 'failed', 'succeed'],
        succeed: ['deleted', 'expired', 'succeed'],
        failed: ['deleted'],
        expired: ['deleted'],
        deleted: [],
      },
    );
    assert.deepEqual(reachable(BACKUP_TRANSITIONS, 'waiting'), new Set(BACKUP_STATUSES));
  });

  it('never leads from an ended backup back to a running one, nor anywhere from deleted', () => {
    const ended = BACKUP_STATUSES.filter((s) => !ACTIVE_BACKUP_STATUSES.includes(s));
    assert.deepEqual(ended, ['succeed', 'failed', 'expired', 'deleted']);
    for (const from of ended) {
      for (const to of reachable(BACKUP_TRANSITIONS, from)) {
        assert.ok(!ACTIVE_BACKUP_STATUSES.includes(to), `${from} reaches ${to}`);
      }
    }
    assert.deepEqual([...reachable(BACKUP_TRANSITIONS, 'failed')].sort(), ['deleted', 'failed']);
    assert.deepEqual([...reachable(BACKUP_TRANSITIONS, 'deleted')], ['deleted']);
  });

  it('refuses an edge the table does not have, whichever of several states it leaves', () => {
    const refused: [BackupStatus[], BackupStatus][] = [
      [['failed'], 'succeed'],
      [['failed'], 'backuping'],
      [['deleted'], 'succeed'],
      [['deleted'], 'deleted'],
      [['succeed'], 'backuping'],
      [['expired'], 'succeed'],
      [['waiting'], 'succeed'],
      [['waiting'], 'deleted'],
      [['backuping', 'failed'], 'succeed'],
      [[], 'failed'],
    ];
    for (const [from, to] of refused) {
      assert.throws(() => checkTransition(BACKUP_TRANSITIONS, from, to), /transition/, `${from} → ${to}`);
    }
    assert.doesNotThrow(() => checkTransition(BACKUP_TRANSITIONS, ['waiting', 'backuping'], 'failed'));
    assert.doesNotThrow(() => checkTransition(BACKUP_TRANSITIONS, ['backuping'], 'backuping'));
  });

  it('ends the job exactly when a transition leaves the active states', () => {
    assert.equal(endsJob(ACTIVE_BACKUP_STATUSES, ['backuping'], 'succeed'), true);
    assert.equal(endsJob(ACTIVE_BACKUP_STATUSES, ['waiting', 'backuping'], 'failed'), true);
    assert.equal(endsJob(ACTIVE_BACKUP_STATUSES, ['waiting'], 'backuping'), false);
    assert.equal(endsJob(ACTIVE_BACKUP_STATUSES, ['backuping'], 'backuping'), false);
    assert.equal(endsJob(ACTIVE_BACKUP_STATUSES, ['succeed'], 'deleted'), false);
  });
});

describe('the restore record state machine', () => {
  it('follows DCS: waiting → restoring → succeed | failed, both final', () => {
    assert.deepEqual(Object.keys(RESTORE_TRANSITIONS).sort(), [...RESTORE_STATUSES].sort());
    assert.deepEqual(reachable(RESTORE_TRANSITIONS, 'waiting'), new Set(RESTORE_STATUSES));
    assert.deepEqual(RESTORE_TRANSITIONS.succeed, []);
    assert.deepEqual(RESTORE_TRANSITIONS.failed, []);
  });

  it('refuses leaving a final restore state', () => {
    const refused: [RestoreStatus[], RestoreStatus][] = [
      [['failed'], 'succeed'],
      [['failed'], 'restoring'],
      [['succeed'], 'failed'],
      [['waiting'], 'succeed'],
    ];
    for (const [from, to] of refused) {
      assert.throws(() => checkTransition(RESTORE_TRANSITIONS, from, to), /transition/, `${from} → ${to}`);
    }
    assert.equal(endsJob(ACTIVE_RESTORE_STATUSES, ['restoring'], 'succeed'), true);
    assert.equal(endsJob(ACTIVE_RESTORE_STATUSES, ['restoring'], 'restoring'), false);
  });
});
