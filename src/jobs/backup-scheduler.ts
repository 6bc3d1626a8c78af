import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BackupRecord, backupNameFor } from '../core/backup-record.ts';
import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';
import { DAY_MS, HOUR_MS, type StoredPolicy, windowAfter, windowLabel } from '../core/backup-policy.ts';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { queuedJob } from '../core/job.ts';
import type { BlobStore, MetadataStore } from '../core/ports.ts';

export interface SchedulerDeps {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  /** Tells the local worker a job was queued. */
  onQueued?: () => void;
  /** Reports what a tick did that an operator should see (missed windows, busy instances). */
  onEvent?: (event: SchedulerEvent) => void;
}

export type SchedulerEvent =
  | { kind: 'started'; instanceId: string; backupId: string; windowAt: number }
  | { kind: 'busy'; instanceId: string; backupId: string; windowAt: number }
  | { kind: 'missed'; instanceId: string; backupId: string; windowAt: number }
  | { kind: 'missed-unrecorded'; instanceId: string; windows: number }
  | { kind: 'expired'; backupId: string };

export interface TickReport {
  started: number;
  busy: number;
  missed: number;
  expired: number;
}

// Work per tick is taken in batches so one tick never loads every due row at once.
const BATCH = 200;
/** Missed windows older than this are counted in the log, not recorded one by one after a long outage. */
const MISSED_RECORD_HORIZON_MS = 7 * DAY_MS;

/**
 * Starts automatic backups when their window comes and expires old ones. Every step is keyed in the
 * database (a unique window per instance, a conditional move of the next window, a conditional expiry), so
 * several processes may tick against the same database and each window still yields exactly one record.
 */
export class BackupScheduler {
  readonly #deps: SchedulerDeps;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  async tick(): Promise<TickReport> {
    const report: TickReport = { started: 0, busy: 0, missed: 0, expired: 0 };
    const now = this.#deps.clock.now();
    for (;;) {
      const due = await this.#deps.store.policies.due(now, BATCH);
      for (const stored of due) {
        await this.#catchUp(stored, now, report);
        // SQLite's driver answers synchronously: without a turn of the event loop here, a tick queueing a
        // thousand backups would hold every HTTP request and running job for its whole length (seconds).
        await nextTurn();
      }
      if (due.length < BATCH) break;
    }
    await this.#expire(now, report);
    return report;
  }

  /** Deals with every window of the policy that has begun by `now`, oldest first. */
  async #catchUp(stored: StoredPolicy, now: number, report: TickReport): Promise<void> {
    const { store } = this.#deps;
    const { plan, backupType } = stored.policy;
    let window = stored.nextWindowAt!;
    if (!plan || backupType !== 'auto') {
      await store.policies.advance(stored.instanceId, window, null);
      return;
    }
    let unrecorded = 0;
    while (window <= now) {
      const recordable = window >= now - MISSED_RECORD_HORIZON_MS;
      if (window + HOUR_MS <= now) {
        if (recordable) {
          if (await this.#recordMissed(stored, window)) report.missed++;
        } else unrecorded++;
      } else {
        const outcome = await this.#start(stored, window, now);
        if (outcome === 'inserted') report.started++;
        if (outcome === 'busy') report.busy++;
      }
      const next = windowAfter(plan, window);
      // Another process moved the window first: it is dealing with this policy.
      if (!(await store.policies.advance(stored.instanceId, window, next))) break;
      window = next;
    }
    if (unrecorded > 0) {
      this.#deps.onEvent?.({ kind: 'missed-unrecorded', instanceId: stored.instanceId, windows: unrecorded });
    }
  }

  async #start(stored: StoredPolicy, window: number, now: number) {
    const { store } = this.#deps;
    const record = autoRecord(stored, window, now, 'waiting');
    const job = queuedJob('backup', stored.instanceId, record.id, now, 'scheduler');
    const outcome = await store.backups.insertScheduled(record, job);
    if (outcome === 'inserted') {
      this.#deps.onEvent?.({
        kind: 'started',
        instanceId: stored.instanceId,
        backupId: record.id,
        windowAt: window,
      });
      this.#deps.onQueued?.();
      return outcome;
    }
    if (outcome === 'duplicate') return outcome;
    const failed = await this.#recordFailed(
      stored,
      window,
      now,
      recordCode('instanceBusy'),
      'the instance was running a backup or restore when its automatic backup was due',
    );
    if (failed)
      this.#deps.onEvent?.({
        kind: 'busy',
        instanceId: stored.instanceId,
        backupId: failed,
        windowAt: window,
      });
    return failed ? 'busy' : 'duplicate';
  }

  async #recordMissed(stored: StoredPolicy, window: number): Promise<boolean> {
    const day = new Date(window).toISOString().slice(0, 10);
    const id = await this.#recordFailed(
      stored,
      window,
      this.#deps.clock.now(),
      recordCode('timedOut'),
      `the service was not running during the backup window ${windowLabel(stored.policy.plan!.beginHour)} UTC on ${day}`,
    );
    if (id)
      this.#deps.onEvent?.({ kind: 'missed', instanceId: stored.instanceId, backupId: id, windowAt: window });
    return id !== null;
  }

  /** Records a window's backup as failed; the id, or null when the window already has its record. */
  async #recordFailed(
    stored: StoredPolicy,
    window: number,
    now: number,
    code: RecordErrorCode,
    reason: string,
  ): Promise<string | null> {
    const { store } = this.#deps;
    const record = { ...autoRecord(stored, window, now, 'failed'), errorCode: code, updatedAt: now };
    // Inserted already failed, with its reason, in one step: no status is set after the fact.
    if ((await store.backups.insertScheduled(record, null, reason)) !== 'inserted') return null;
    return record.id;
  }

  async #expire(now: number, report: TickReport): Promise<void> {
    const { store, blobs } = this.#deps;
    for (;;) {
      const due = await store.backups.dueForExpiry(now, BATCH);
      for (const { id, fileKeys } of due) {
        // The record changes first: a crash in between leaves an orphan file for the clean-up pass.
        if (!(await store.backups.expire(id))) continue;
        for (const key of fileKeys) await blobs.remove(key);
        report.expired++;
        this.#deps.onEvent?.({ kind: 'expired', backupId: id });
        await nextTurn();
      }
      if (due.length < BATCH) return;
    }
  }
}

/** The record of one window's automatic backup: created when the window was dealt with. */
function autoRecord(
  stored: StoredPolicy,
  window: number,
  now: number,
  status: 'waiting' | 'failed',
): BackupRecord {
  // A missed window is dated at its own start, so the listing shows it where it belongs in time.
  const createdAt = status === 'failed' && window + HOUR_MS <= now ? window : now;
  return {
    id: newId(),
    instanceId: stored.instanceId,
    name: backupNameFor(createdAt),
    type: 'auto',
    format: 'rdb',
    status,
    remark: null,
    period: windowLabel(stored.policy.plan!.beginHour),
    errorCode: null,
    sizeBytes: 0,
    progressHundredths: 0,
    restorable: false,
    createdAt,
    updatedAt: null,
    executionAt: window,
  };
}
