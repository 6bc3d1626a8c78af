import { Readable } from 'node:stream';
import { convertRdbToAof, RdbToAofConverter } from './rdb-to-aof.ts';

/** What a file from outside is, by its first bytes. */
export type ImportFormat = 'rdb' | 'aof';

export function formatOf(head: Buffer): ImportFormat | null {
  const text = head.toString('latin1', 0, Math.min(head.length, 6));
  if (text.startsWith('REDIS') || text.startsWith('VALKEY')) return 'rdb';
  if (text.startsWith('*')) return 'aof';
  return null;
}

/**
 * A file from outside as the command stream it loads as: an AOF as it is, an RDB (any version 1–12, or Valkey's)
 * converted on each read into commands the target has (`targetRdbVersion`). The conversion checks the RDB's
 * structure and checksum as it goes (RDB 1–4 have none: the full structural read is the check), so the
 * pre-flight read of a restore refuses a corrupt file before the target is touched.
 */
export function commandStreamOf(
  format: ImportFormat,
  open: () => Promise<Readable>,
  options: { targetRdbVersion: number; now: () => number },
): { open(): Promise<Readable>; last: () => RdbToAofConverter | null } {
  let last: RdbToAofConverter | null = null;
  return {
    async open() {
      const file = await open();
      if (format === 'aof') return file;
      last = new RdbToAofConverter(options);
      return Readable.from(convertRdbToAof(file as AsyncIterable<Buffer>, last));
    },
    last: () => last,
  };
}
