import { setImmediate as nextTurn } from 'node:timers/promises';
import { BACKUP_FORMATS, BACKUP_STATUSES, BACKUP_TYPES, type BackupRecord } from '../core/backup-record.ts';
import type { BackupQuery } from '../core/ports.ts';
import { PAGE_TAIL, pageHead, recordJson } from './wire/backup-page-json.ts';

/**
 * All of one instance's backup records, as ListBackupRecords writes them, newest first: any page of any
 * filter is answered from memory, the bytes of backupPageJson over the same page of the database (a test
 * holds them equal on both engines). A time window is two binary searches over the creation times and its
 * page one slice of the rendered records; the status, type and format filters walk the window's codes.
 *
 * The records' JSON lives outside V8's heap, in one buffer per instance, so holding many costs the
 * collector nothing.
 */
export class BackupListingSnapshot {
  /** Creation times, newest first: the order of the listing (ties are in the database's order). */
  readonly #createdAt: Float64Array;
  readonly #status: Uint8Array;
  readonly #type: Uint8Array;
  readonly #format: Uint8Array;
  /** Each record's JSON followed by a comma, in listing order. */
  readonly #json: Buffer;
  /** Where record i's JSON starts; entry n is the buffer's length. */
  readonly #starts: Uint32Array;

  private constructor(records: readonly BackupRecord[], rendered: readonly string[]) {
    const n = records.length;
    this.#createdAt = new Float64Array(n);
    this.#status = new Uint8Array(n);
    this.#type = new Uint8Array(n);
    this.#format = new Uint8Array(n);
    this.#starts = new Uint32Array(n + 1);
    let length = 0;
    for (const text of rendered) length += Buffer.byteLength(text) + 1;
    this.#json = Buffer.allocUnsafeSlow(length);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const record = records[i]!;
      this.#createdAt[i] = record.createdAt;
      this.#status[i] = BACKUP_STATUSES.indexOf(record.status);
      this.#type[i] = BACKUP_TYPES.indexOf(record.type);
      this.#format[i] = BACKUP_FORMATS.indexOf(record.format);
      this.#starts[i] = at;
      at += this.#json.write(rendered[i]!, at);
      this.#json[at++] = COMMA;
    }
    this.#starts[n] = at;
  }

  /** A snapshot of these records, which must be all of one instance's, in the listing's order. */
  static of(records: readonly BackupRecord[], rendered = records.map(recordJson)): BackupListingSnapshot {
    for (let i = 1; i < records.length; i++) {
      if (records[i]!.createdAt > records[i - 1]!.createdAt) {
        throw new Error('a listing snapshot takes its records newest first');
      }
    }
    return new BackupListingSnapshot(records, rendered);
  }

  /**
   * The same, rendered a slice at a time with a turn of the event loop between slices: an instance of
   * 20,000 records would otherwise hold the loop for tens of milliseconds.
   */
  static async rendering(records: readonly BackupRecord[]): Promise<BackupListingSnapshot> {
    const rendered: string[] = [];
    for (let start = 0; start < records.length; start += RENDER_SLICE) {
      if (start > 0) await nextTurn();
      const end = Math.min(records.length, start + RENDER_SLICE);
      for (let i = start; i < end; i++) rendered.push(recordJson(records[i]!));
    }
    return BackupListingSnapshot.of(records, rendered);
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.#json.length + this.#createdAt.length * (8 + 3 + 4);
  }

  get count(): number {
    return this.#createdAt.length;
  }

  /** The body ListBackupRecords answers for query. */
  page(query: BackupQuery): Buffer {
    const first = query.createdBefore === undefined ? 0 : this.#firstOlderThan(query.createdBefore);
    const end = query.createdFrom === undefined ? this.count : this.#firstOlderThan(query.createdFrom);
    const matches = kindFilter(query);
    const parts: Buffer[] = [];
    let total = 0;
    if (matches === undefined) {
      total = Math.max(0, end - first);
      const from = first + query.offset;
      this.#addRun(parts, from, Math.min(from + query.limit, end));
    } else {
      const last = query.offset + query.limit;
      let runStart = -1;
      let runEnd = -1;
      for (let i = first; i < end; i++) {
        if (!matches(this.#status[i]!, this.#type[i]!, this.#format[i]!)) continue;
        if (total >= query.offset && total < last) {
          if (i !== runEnd) {
            this.#addRun(parts, runStart, runEnd);
            runStart = i;
          }
          runEnd = i + 1;
        }
        total++;
      }
      this.#addRun(parts, runStart, runEnd);
    }
    return Buffer.concat([Buffer.from(pageHead(total)), ...parts, PAGE_END]);
  }

  /** Records from..to (exclusive) as JSON, after a comma when they follow others. */
  #addRun(parts: Buffer[], from: number, to: number): void {
    if (from < 0 || from >= to) return;
    if (parts.length > 0) parts.push(COMMA_BUFFER);
    parts.push(this.#json.subarray(this.#starts[from], this.#starts[to]! - 1));
  }

  /** The first position whose record was created before time (the count when none was). */
  #firstOlderThan(time: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#createdAt[middle]! < time) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

const RENDER_SLICE = 1000;
const COMMA = 0x2c;
const COMMA_BUFFER = Buffer.from(',');
const PAGE_END = Buffer.from(PAGE_TAIL);

type KindMatcher = (status: number, type: number, format: number) => boolean;

/** A test of a record's codes for the query's status, type and format lists; undefined when none is set. */
function kindFilter(query: BackupQuery): KindMatcher | undefined {
  if (query.statuses === undefined && query.types === undefined && query.formats === undefined)
    return undefined;
  const statuses = codeSet(BACKUP_STATUSES, query.statuses);
  const types = codeSet(BACKUP_TYPES, query.types);
  const formats = codeSet(BACKUP_FORMATS, query.formats);
  return (status, type, format) => statuses[status] === 1 && types[type] === 1 && formats[format] === 1;
}

/** A table from code to 1 when the code's name is listed (every code when no list is given). */
function codeSet(names: readonly string[], listed: readonly string[] | undefined): Uint8Array {
  const set = new Uint8Array(256);
  names.forEach((name, code) => {
    if (listed === undefined || listed.includes(name)) set[code] = 1;
  });
  return set;
}
