import type { BackupRecord } from '../../core/backup-record.ts';
import type { BackupPage } from '../../core/ports.ts';
import { formatIsoUtc } from '../../core/time-format.ts';

/** A page's JSON up to its first record: the total, then the records' array opened. */
export function pageHead(total: number): string {
  return '{"total_num":' + integer(total) + ',"backup_record_response":[';
}

/** A page's JSON after its last record. */
export const PAGE_TAIL = ']}';

/** What Fastify answers JSON with; the listing sends bytes, so it names the type itself. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * ListBackupRecords' body as bytes: the same bytes as backupPageWireSchema's serialiser writes for
 * backupPageToWire(page) (a test holds them equal). The records' JSON is joined into strings of at most about
 * CHUNK_CHARS, each encoded with one native call: a 10-record page is one string and one Buffer.from. A
 * 1,000-record page is ~450 KB, and as one string (as the schema serialiser built it, with Fastify then
 * measuring and encoding it) it went to V8's large-object space on every request, whose collections cost
 * more than all the formatting; chunks this size stay in the young generation and die there.
 */
export function backupPageJson(page: BackupPage): Buffer {
  const { records } = page;
  let text = pageHead(page.total);
  let chunks: Buffer[] | undefined;
  let chunkBytes = 0;
  for (let i = 0; i < records.length; i++) {
    text += (i > 0 ? ',' : '') + recordJson(records[i]!);
    if (text.length >= CHUNK_CHARS) {
      const chunk = Buffer.from(text);
      (chunks ??= []).push(chunk);
      chunkBytes += chunk.length;
      text = '';
    }
  }
  text += PAGE_TAIL;
  if (chunks === undefined) return Buffer.from(text);
  // Each chunk's size is known once it is encoded, so the page is copied once into a buffer of exactly its
  // size (a copy of ~450 KB is a few percent of writing it), never grown.
  const last = Buffer.from(text);
  chunks.push(last);
  return Buffer.concat(chunks, chunkBytes + last.length);
}

/**
 * Below V8's large-object size (128 KB) even as two-byte text. Chunks of 16K to 64K chars measured alike;
 * a 1,000-record page as one string spent about 5 times as long in collections.
 */
const CHUNK_CHARS = 32_768;

/**
 * One BackupRecordResponse exactly as it appears inside the page, its fields in the order of
 * backupRecordWireSchema (a page's records are these joined with commas).
 */
export function recordJson(record: BackupRecord): string {
  return (
    '{"backup_id":' +
    quote(record.id) +
    ',"period":' +
    nullable(record.period) +
    ',"backup_name":' +
    quote(record.name) +
    ',"instance_id":' +
    quote(record.instanceId) +
    ',"size":' +
    integer(record.sizeBytes) +
    ',"backup_type":' +
    quote(record.type) +
    ',"created_at":"' +
    formatIsoUtc(record.createdAt) +
    '","updated_at":' +
    (record.updatedAt === null ? 'null' : '"' + formatIsoUtc(record.updatedAt) + '"') +
    ',"progress":"' +
    percent(record.progressHundredths) +
    '","error_code":' +
    nullable(record.errorCode) +
    ',"remark":' +
    nullable(record.remark) +
    ',"status":' +
    quote(record.status) +
    ',"is_support_restore":"' +
    (record.restorable ? 'TRUE' : 'FALSE') +
    '","execution_at":' +
    (record.executionAt === null ? 'null' : '"' + formatIsoUtc(record.executionAt) + '"') +
    ',"backup_format":' +
    quote(record.format) +
    '}'
  );
}

/** A JSON string exactly as JSON.stringify writes it; plain text (the usual case) without a native call. */
function quote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // Control characters, '"' and '\\' are escaped, lone surrogates written as \udxxx: JSON.stringify knows how.
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) {
      return JSON.stringify(text);
    }
  }
  return '"' + text + '"';
}

/** (hundredths / 100).toFixed(2), written from integers for whole hundredths: toFixed is a runtime call. */
function percent(hundredths: number): string {
  if (Number.isInteger(hundredths) && hundredths >= 0 && hundredths <= 1_000_000) {
    return ((hundredths / 100) | 0) + '.' + TWO_DIGITS[hundredths % 100];
  }
  return (hundredths / 100).toFixed(2);
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

function nullable(text: string | null): string {
  return text === null ? 'null' : quote(text);
}

/** As the schema's integer serialiser: whole numbers as they are, others truncated, never NaN or Infinity. */
function integer(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const truncated = Math.trunc(value);
  if (!Number.isFinite(truncated)) throw new Error(`The value "${value}" cannot be converted to an integer.`);
  return String(truncated);
}
