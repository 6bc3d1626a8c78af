import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactUtcFromInput, formatDuration, policyInWords, rateAndEta } from '../../web/src/format.ts';

describe("the console's wording of the API's values", () => {
  it('says a policy in words', () => {
    const plan = { backup_at: [3, 1], period_type: 'weekly', begin_at: '02:00-03:00', timezone_offset: null };
    const policy = {
      backup_type: 'auto' as const,
      save_days: 7,
      periodical_backup_plan: plan,
      keep_last: null,
      max_backups: null,
    };
    assert.equal(policyInWords(policy), 'Mon, Wed 02:00–03:00 UTC, kept 7 days');
    assert.equal(policyInWords({ ...policy, save_days: 1 }), 'Mon, Wed 02:00–03:00 UTC, kept 1 day');
    assert.equal(policyInWords({ ...policy, backup_type: 'manual' }), 'No automatic backups');
    assert.equal(policyInWords(null), 'No automatic backups');
  });

  it("turns the time picker's value, read as UTC, into the listing's yyyyMMddHHmmss", () => {
    assert.equal(compactUtcFromInput('2026-12-02T16:05'), '20261202160500');
    assert.equal(compactUtcFromInput('2026-12-02T16:05:09'), '20261202160509');
    assert.equal(compactUtcFromInput(''), '');
    assert.equal(compactUtcFromInput('yesterday'), '');
  });

  it('estimates rate and time left from bytes received since the start', () => {
    const started = '2026-12-02T16:00:00Z';
    const now = Date.parse(started) + 10_000;
    assert.deepEqual(rateAndEta(10 * 1048576, 30 * 1048576, started, now), {
      rate: '1.0 MiB/s',
      eta: '20 s',
    });
    assert.deepEqual(rateAndEta(10 * 1048576, null, started, now), { rate: '1.0 MiB/s', eta: '—' });
    assert.deepEqual(rateAndEta(0, 100, started, now), { rate: '—', eta: '—' });
    assert.deepEqual(rateAndEta(100, 200, null, now), { rate: '—', eta: '—' });
  });

  it('says durations as a person would', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(42_000), '42 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
    assert.equal(formatDuration(3_725_000), '1 h 2 min');
    assert.equal(formatDuration(null), '—');
  });
});
