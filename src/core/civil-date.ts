/**
 * The proleptic Gregorian date of a day number (days since 1970-01-01), by integer arithmetic only: the
 * listing formats three timestamps per record, and a Date per timestamp was most of their cost.
 *
 * The calendar is counted from 1 March of year 0, so the leap day is the last day of its "year" and the
 * months' lengths follow one pattern from March to February. From there it repeats every 400 years (146,097
 * days, an era); within an era, a year is 365 days plus one every 4 years, less one every 100, plus one
 * every 400.
 */

/** Days from 0000-03-01 to 1970-01-01: March to December of year 0, then years 1 to 1969 (477 leap days). */
const DAYS_BEFORE_EPOCH_FROM_MARCH_0 = 306 + 1969 * 365 + 477;
const DAYS_PER_ERA = 146_097;
const DAYS_PER_4_YEARS = 4 * 365 + 1;
const DAYS_PER_CENTURY = 100 * 365 + 24;

export interface CivilDate {
  year: number;
  /** 1 to 12. */
  month: number;
  /** 1 to 31. */
  day: number;
}

/**
 * dayNumber: whole days since 1970-01-01, not negative; every quotient below then fits in 32 bits, up to the
 * last day a Date can hold.
 */
export function civilFromDays(dayNumber: number): CivilDate {
  const sinceMarch0 = dayNumber + DAYS_BEFORE_EPOCH_FROM_MARCH_0;
  const era = quotient(sinceMarch0, DAYS_PER_ERA);
  const dayOfEra = sinceMarch0 - era * DAYS_PER_ERA;
  // Take out the leap days up to this day of the era, so that its years all count 365 days: one at the end of
  // every 4 years (each 1,461 days), none at the end of a century (36,524 days), and the era's very last
  // day, the 400th year's leap day.
  const yearOfEra = quotient(
    dayOfEra -
      quotient(dayOfEra, DAYS_PER_4_YEARS - 1) +
      quotient(dayOfEra, DAYS_PER_CENTURY) -
      quotient(dayOfEra, DAYS_PER_ERA - 1),
    365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + quotient(yearOfEra, 4) - quotient(yearOfEra, 100));
  // March to January alternate 31 and 30 days in runs of five months (153 days): month m (0 = March) starts
  // on day floor((153 m + 2) / 5) of the year, and this is that line solved for m.
  const monthFromMarch = quotient(5 * dayOfYear + 2, 153);
  const day = dayOfYear - quotient(153 * monthFromMarch + 2, 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  // January and February belong to the calendar year after the March that starts their counted year.
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Integer division of non-negative 32-bit numbers; `| 0` lets V8 divide as integers. */
function quotient(dividend: number, divisor: number): number {
  return (dividend / divisor) | 0;
}
