import type { BackupRecord } from '../../core/backup-record.ts';
import type { BackupPage } from '../../core/ports.ts';
import { formatIsoUtc } from '../../core/time-format.ts';

/** What Fastify answers JSON with; the listing sends bytes, so it names the type itself. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * ListBackupRecords' body as bytes: the same bytes as backupPageWireSchema's serialiser writes for
 * backupPageToWire(page) (a test holds them equal). Each record's JSON is written straight into one buffer:
 * a 1,000-record page is ~450 KB, and building it as one string first (as the schema serialiser does, with
 * Fastify then measuring and encoding it) put a large string in V8's old generation per request, whose
 * collections cost more than all the formatting.
 */
export function backupPageJson(page: BackupPage): Buffer {
  const writer = new BufferWriter(TYPICAL_RECORD_BYTES * page.records.length + 64);
  writer.write('{"total_num":' + integer(page.total) + ',"backup_record_response":[');
  const { records } = page;
  for (let i = 0; i < records.length; i++) writer.write((i > 0 ? ',' : '') + recordJson(records[i]!));
  writer.write(']}');
  return writer.bytes();
}

/** A record with a remark is about 460 bytes; the buffer grows if the guess falls short. */
const TYPICAL_RECORD_BYTES = 480;

class BufferWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(capacity: number) {
    this.#buffer = Buffer.allocUnsafe(capacity);
  }

  write(text: string): void {
    // UTF-8 takes at most three bytes per UTF-16 code unit.
    const needed = this.#length + text.length * 3;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#length += this.#buffer.write(text, this.#length);
  }

  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }
}

/** One BackupRecordResponse, its fields in the order of backupRecordWireSchema. */
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
    (record.progressHundredths / 100).toFixed(2) +
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
