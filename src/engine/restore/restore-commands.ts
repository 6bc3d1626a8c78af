import { Crc64 } from '../rdb/crc64.ts';
import type { RdbKeyRecord } from '../rdb/rdb-reader.ts';
import { typeName } from '../rdb/rdb-types.ts';
import type { CommandPipeline } from './command-pipeline.ts';
import { payloadFooter } from './dump-payload.ts';
import { type Arg, encodeArgs, encodeBinaryCommand, type EncodedArgs } from './resp-command.ts';
import type { RestoreSource } from './restore-types.ts';

/** What follows the payload in RESTORE key ttl payload: REPLACE [ABSTTL] [IDLETIME s | FREQ f]. */
const PLAIN_OPTIONS = encodeArgs(['REPLACE']);
const EXPIRING_OPTIONS = encodeArgs(['REPLACE', 'ABSTTL']);

/** The arguments after the payload, encoded: the common cases are encoded once, not per key. */
export function encodedOptions(record: RdbKeyRecord): EncodedArgs {
  if (record.idleSeconds === null && record.freq === null) {
    return record.expireAtMs === null ? PLAIN_OPTIONS : EXPIRING_OPTIONS;
  }
  return encodeArgs(restoreOptions(record));
}

function restoreOptions(record: RdbKeyRecord): Arg[] {
  const extra: Arg[] = ['REPLACE'];
  if (record.expireAtMs !== null) extra.push('ABSTTL');
  if (record.idleSeconds !== null) extra.push('IDLETIME', record.idleSeconds);
  else if (record.freq !== null) extra.push('FREQ', record.freq);
  return extra;
}

/**
 * A RESTORE whose value is sent from the file in pieces, the CRC computed on the way: a value of hundreds of
 * megabytes never sits in memory.
 */
export async function sendStreamedRestore(
  pipeline: CommandPipeline,
  source: RestoreSource,
  record: RdbKeyRecord,
  version: number,
  label: string,
): Promise<void> {
  const options = restoreOptions(record);
  const payloadLength = 1 + record.valueLength + 10;
  const head = encodeBinaryCommand(['RESTORE', record.key, record.expireAtMs ?? 0]);
  const argCount = 4 + options.length;
  // The command header announces every argument; the first three are already encoded above.
  const header = Buffer.concat([
    Buffer.from(`*${argCount}\r\n`),
    head.subarray(head.indexOf('\r\n') + 2),
    Buffer.from(`$${payloadLength}\r\n`),
    Buffer.from([record.type]),
  ]);
  const tail = encodeBinaryCommand(options);
  await pipeline.reserve(header.length + payloadLength + tail.length, label);
  const crc = new Crc64().update(Buffer.from([record.type]));
  await pipeline.writeRaw(header);
  const stream = await source.openRange(record.valueOffset, record.valueOffset + record.valueLength);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    crc.update(chunk);
    await pipeline.writeRaw(chunk);
  }
  await pipeline.writeRaw(
    Buffer.concat([
      payloadFooter(crc, version),
      Buffer.from('\r\n'),
      tail.subarray(tail.indexOf('\r\n') + 2),
    ]),
  );
}

export function restoreLabel(record: RdbKeyRecord, magic: 'REDIS' | 'VALKEY' | null): string {
  return `RESTORE of ${typeName(magic ?? 'REDIS', record.type)} key "${printable(record.key)}" (database ${record.db})`;
}

/** A key for a message: text as it is, binary shown escaped, long keys cut. */
export function printable(key: Buffer): string {
  const text = key
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
