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

/** ISO-8601 UTC with milliseconds, as DCS writes created_at: 2019-05-10T08:31:16.166Z. */
export function formatIsoUtc(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
