// "+08:00", "-05:30", "GMT+08:00", "UTC -03:00", "+0800": what DCS's "GMT -12:00 to +12:00" is written as.
const OFFSET = /^(?:(?:GMT|UTC) ?)?([+-])(\d{2}):?(\d{2})$/;

/**
 * Whether a plan's timezone_offset is a UTC offset that exists: -12:00 to +14:00, minutes 00, 15, 30 or 45.
 * DCS no longer uses the field and neither does the schedule (windows are UTC), but it is kept and shown, so
 * it must at least be an offset.
 */
export function isTimezoneOffset(text: string): boolean {
  const match = OFFSET.exec(text);
  if (!match) return false;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  if (Number(match[3]) % 15 !== 0) return false;
  return match[1] === '+' ? minutes <= 14 * 60 : minutes <= 12 * 60;
}

/** The same set as a pattern, for the API's documentation (a test checks the two agree). */
export const TIMEZONE_OFFSET_PATTERN =
  '^(?:(?:GMT|UTC) ?)?(?:\\+(?:(?:0[0-9]|1[0-3]):?(?:00|15|30|45)|14:?00)|-(?:(?:0[0-9]|1[01]):?(?:00|15|30|45)|12:?00))$';
