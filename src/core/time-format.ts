import { civilFromDays } from './civil-date.ts';

/** The compact UTC timestamp DCS uses in queries and record names: yyyyMMddHHmmss. */
const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** Parses yyyyMMddHHmmss as UTC; undefined unless it names a real calendar second. */
export function parseCompactUtc(text: string): number | undefined {
  const m = COMPACT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls 2019-02-30 over to March; a real calendar time survives the round trip unchanged.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return ms;
}

export function formatCompactUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const DAY_MS = 86_400_000;
/** Before 1970 or from year 10000 on, toISOString's own form (and its RangeError) applies. */
const LAST_FOUR_DIGIT_YEAR_MS = Date.UTC(10_000, 0, 1);

/**
 * ISO-8601 UTC with milliseconds, as DCS writes created_at: 2019-05-10T08:31:16.166Z. A 1,000-record page
 * formats 3,000 of these; building a Date for each was a tenth of the page's CPU, so every part is computed
 * from integers (the calendar date by civilFromDays), whatever order the times come in.
 */
export function formatIsoUtc(epochMs: number): string {
  if (!(Number.isInteger(epochMs) && epochMs >= 0 && epochMs < LAST_FOUR_DIGIT_YEAR_MS)) {
    return new Date(epochMs).toISOString();
  }
  const day = Math.floor(epochMs / DAY_MS);
  let rest = epochMs - day * DAY_MS;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  const date = civilFromDays(day);
  return (
    // Years 1970 to 9999 here: always four digits.
    date.year +
    MONTH_DAY[date.month * 32 + date.day]! +
    TWO_DIGITS[hours] +
    ':' +
    TWO_DIGITS[minutes] +
    ':' +
    TWO_DIGITS[seconds] +
    '.' +
    THREE_DIGITS[ms] +
    'Z'
  );
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
/** "-MM-ddT" by month * 32 + day: one piece instead of five. */
const MONTH_DAY = Array.from({ length: 13 * 32 }, (_, i) => `-${TWO_DIGITS[i >> 5]}-${TWO_DIGITS[i & 31]}T`);
