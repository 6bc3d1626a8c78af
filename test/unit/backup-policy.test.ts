import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type BackupPlan,
  type BackupPolicy,
  DAY_MS,
  HOUR_MS,
  firstOpenWindow,
  parseWindowLabel,
  windowAfter,
  windowLabel,
} from '../../src/core/backup-policy.ts';
import { expiryTimes } from '../../src/core/retention.ts';

// Monday 23 November 2026, 00:00 UTC.
const MONDAY = Date.UTC(2026, 10, 23);

const plan = (weekdays: number[], beginHour: number): BackupPlan => ({
  weekdays,
  periodType: 'weekly',
  beginHour,
  timezoneOffset: null,
});

describe('backup windows', () => {
  it('reads and writes DCS begin_at, including the window that crosses midnight', () => {
    assert.equal(parseWindowLabel('02:00-03:00'), 2);
    assert.equal(parseWindowLabel('23:00-00:00'), 23);
    assert.equal(windowLabel(23), '23:00-00:00');
    assert.equal(windowLabel(0), '00:00-01:00');
    for (const bad of [
      '02:00-04:00',
      '02:30-03:30',
      '2:00-3:00',
      '24:00-01:00',
      '02:00',
      '',
      '03:00-02:00',
    ]) {
      assert.equal(parseWindowLabel(bad), undefined, bad);
    }
  });

  it('takes the window still open at the moment, then the next chosen weekday', () => {
    const monWedFri = plan([1, 3, 5], 2);
    assert.equal(firstOpenWindow(monWedFri, MONDAY), MONDAY + 2 * HOUR_MS);
    // 02:30 on Monday: the 02:00-03:00 window has begun but is still open.
    assert.equal(firstOpenWindow(monWedFri, MONDAY + 2.5 * HOUR_MS), MONDAY + 2 * HOUR_MS);
    // 03:00 on Monday: it has closed; next is Wednesday.
    assert.equal(firstOpenWindow(monWedFri, MONDAY + 3 * HOUR_MS), MONDAY + 2 * DAY_MS + 2 * HOUR_MS);
    // Friday after the window: the following Monday.
    const fridayEvening = MONDAY + 4 * DAY_MS + 20 * HOUR_MS;
    assert.equal(firstOpenWindow(monWedFri, fridayEvening), MONDAY + 7 * DAY_MS + 2 * HOUR_MS);
    // Sunday is 7.
    assert.equal(firstOpenWindow(plan([7], 23), MONDAY), MONDAY + 6 * DAY_MS + 23 * HOUR_MS);
  });

  it('steps through exactly the chosen weekdays at the chosen hour, in order, for any plan', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 30 * DAY_MS }),
        (days, hour, offset) => {
          const p = plan(days, hour);
          let window = firstOpenWindow(p, MONDAY + offset);
          assert.ok(window + HOUR_MS > MONDAY + offset);
          for (let i = 0; i < 15; i++) {
            const date = new Date(window);
            assert.equal(date.getUTCHours(), hour);
            assert.equal(date.getUTCMinutes(), 0);
            assert.ok(days.includes(date.getUTCDay() === 0 ? 7 : date.getUTCDay()));
            const next = windowAfter(p, window);
            assert.ok(next > window && next - window <= 7 * DAY_MS);
            // No chosen day is skipped between two windows.
            for (let t = window + DAY_MS; t < next; t += DAY_MS) {
              const d = new Date(t).getUTCDay();
              assert.ok(!days.includes(d === 0 ? 7 : d));
            }
            window = next;
          }
        },
      ),
    );
  });
});

describe('retention', () => {
  const policy = (overrides: Partial<BackupPolicy>): BackupPolicy => ({
    backupType: 'auto',
    saveDays: 3,
    keepLast: null,
    maxBackups: null,
    plan: plan([1], 2),
    ...overrides,
  });
  // Newest first: one backup a day for five days.
  const backups = [4, 3, 2, 1, 0].map((day) => ({ id: `b${day}`, createdAt: MONDAY + day * DAY_MS }));
  const NOW = MONDAY + 5 * DAY_MS;

  it('expires each backup save_days after it was made', () => {
    const times = expiryTimes(policy({}), backups, NOW);
    assert.equal(times.get('b0'), MONDAY + 3 * DAY_MS);
    assert.equal(times.get('b4'), MONDAY + 7 * DAY_MS);
  });

  it('keeps the newest keep_last whatever their age, and expires beyond max_backups at once', () => {
    const kept = expiryTimes(policy({ saveDays: 1, keepLast: 2 }), backups, NOW);
    assert.equal(kept.get('b4'), null);
    assert.equal(kept.get('b3'), null);
    assert.equal(kept.get('b2'), MONDAY + 3 * DAY_MS);
    const capped = expiryTimes(policy({ saveDays: 7, maxBackups: 3 }), backups, NOW);
    assert.equal(capped.get('b2'), MONDAY + 9 * DAY_MS);
    assert.equal(capped.get('b1'), NOW);
    assert.equal(capped.get('b0'), NOW);
  });
});
