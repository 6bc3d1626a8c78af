import Table from 'cli-table3';

/** A plain table: colour codes only on a terminal that wants them. */
export function renderTable(head: string[], rows: (string | number)[][]): string {
  const plain = !process.stdout.isTTY || process.env.NO_COLOR !== undefined;
  const table = new Table({
    head,
    style: plain ? { head: [], border: [] } : {},
  });
  table.push(...rows.map((row) => row.map(String)));
  return table.toString();
}

/**
 * A record as `field  value` lines, with the API's own field names (what --json prints, as a person reads it):
 * nested values on one line as JSON, nulls as "-".
 */
export function describeFields(record: Record<string, unknown>): string {
  const entries = Object.entries(record);
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  return entries
    .map(([key, value]) => {
      const text =
        value === null || value === undefined
          ? '-'
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
      return `${key.padEnd(width)}  ${text}`;
    })
    .join('\n');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** 2019-05-10T08:31:16.166Z → 2019-05-10 08:31:16 (UTC, as every time in the CLI). */
export function formatTime(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').slice(0, 19);
}
