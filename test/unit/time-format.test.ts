import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatCompactUtc, formatIsoUtc, parseCompactUtc } from '../../src/core/time-format.ts';

describe('compact UTC times', () => {
  it('parses real calendar seconds as UTC', () => {
    assert.equal(parseCompactUtc('20170718235959'), Date.UTC(2017, 6, 18, 23, 59, 59));
    assert.equal(parseCompactUtc('20200229000000'), Date.UTC(2020, 1, 29));
    assert.equal(parseCompactUtc('19700101000000'), 0);
  });

  it('refuses what is not a real time', () => {
    for (const text of [
      '20190229000000', // not a leap year
      '20190230000000',
      '20191301000000',
      '20190100000000',
      '20190101240000',
      '20190101006000',
      '20190101000060',
      '2019010100000',
      '201901010000000',
      '2019-01-01T000',
      ' 20190101000000',
      '１２３４５６７８９０１２３４', // full-width digits
      '19691231235959',
    ]) {
      assert.equal(parseCompactUtc(text), undefined, text);
    }
  });

  it('formats and parses back any second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 }), (seconds) => {
        const ms = seconds * 1000;
        assert.equal(parseCompactUtc(formatCompactUtc(ms)), ms);
      }),
    );
  });

  it('writes ISO-8601 with milliseconds', () => {
    assert.equal(formatIsoUtc(Date.UTC(2019, 4, 10, 8, 31, 16, 166)), '2019-05-10T08:31:16.166Z');
  });

  it('writes ISO-8601 exactly as toISOString, in any order of days and out of its fast range', () => {
    const edges = [0, 999, 86_399_999, 86_400_000, Date.UTC(9999, 11, 31, 23, 59, 59, 999), -1, -86_400_001];
    edges.push(Date.UTC(10_000, 0, 1), 1.5, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1));
    const inRange = fc.integer({ min: -1e13, max: Date.UTC(10_001, 0, 1) });
    // A value, its neighbours and itself again: times of one day, of the days around it, and back.
    const sameDay = fc.tuple(inRange, fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }));
    fc.assert(
      fc.property(fc.array(fc.oneof(inRange, fc.constantFrom(...edges))), sameDay, (values, [at, step]) => {
        for (const ms of [...values, at, at + step, at])
          assert.equal(formatIsoUtc(ms), new Date(ms).toISOString(), String(ms));
      }),
    );
    assert.throws(() => formatIsoUtc(Number.NaN), RangeError);
  });

  it('writes the calendar date of every epoch as toISOString, around the calendar edges', () => {
    // Leap years and the century rules (2000 is a leap year, 2100 and 1900-like years are not), the first and
    // last instants it formats itself, and the first it leaves to toISOString.
    const edges = [
      0,
      Date.UTC(1972, 1, 29),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 1, 29),
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(2000, 11, 31),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2400, 1, 29),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1),
    ];
    const anyMs = fc.integer({ min: 0, max: Date.UTC(10_000, 0, 1) });
    const nearEdge = fc
      .tuple(fc.constantFrom(...edges), fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }))
      .map(([edge, offset]) => edge + offset);
    fc.assert(
      fc.property(fc.oneof(anyMs, nearEdge, fc.constantFrom(...edges)), (ms) => {
        assert.equal(formatIsoUtc(ms), new Date(ms).toISOString(), String(ms));
      }),
      { numRuns: 5_000 },
    );
    assert.equal(formatIsoUtc(Date.UTC(2000, 1, 29, 12)), '2000-02-29T12:00:00.000Z');
    assert.equal(formatIsoUtc(Date.UTC(2100, 1, 29)), '2100-03-01T00:00:00.000Z');
    assert.equal(formatIsoUtc(Date.UTC(9999, 11, 31, 23, 59, 59, 999)), '9999-12-31T23:59:59.999Z');
    assert.equal(formatIsoUtc(Date.UTC(10_000, 0, 1)), '+010000-01-01T00:00:00.000Z');
  });

  it('writes every day of a whole 400-year cycle of the calendar as toISOString', () => {
    // The Gregorian calendar repeats every 400 years: from 1970 to 2401 every kind of year and century, both
    // sides of a 400-year boundary (2000), and each day's first and last millisecond.
    for (let day = 0; day * 86_400_000 < Date.UTC(2401, 0, 1); day++) {
      for (const ms of [day * 86_400_000, day * 86_400_000 + 86_399_999]) {
        const expected = new Date(ms).toISOString();
        if (formatIsoUtc(ms) !== expected) assert.equal(formatIsoUtc(ms), expected, String(ms));
      }
    }
  });
});
