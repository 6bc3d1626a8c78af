import type { HashField, LogicalValue, StreamValue } from '../rdb/value-decoder.ts';
import type { Arg } from './resp-command.ts';

/** Elements per command: small enough for any target's limits, large enough to keep round trips few. */
const CHUNK = 1000;
/** XSETID ENTRIESADDED/MAXDELETEDID and XGROUP CREATE ENTRIESREAD exist from Redis 7.0 (RDB 10). */
const STREAM_V2_SINCE_RDB = 10;
/** Hash field expiry (HPEXPIREAT) exists in Redis 7.4+ (RDB 12) and Valkey 9+ (RDB 80). */
export const FIELD_EXPIRY_SINCE_RDB = 12;

export interface Rewrite {
  commands: Arg[][];
  /** What could not be carried over (field expiry on a target without it), for the report. */
  droppedFieldExpiries: number;
  /** Fields left out because their own expiry had passed (a target without field expiry would keep them). */
  expiredFields: number;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A score as text that reads back as the same double ("+inf" and "-inf" for the infinities). */
function scoreText(score: number): string {
  if (score === Infinity) return '+inf';
  if (score === -Infinity) return '-inf';
  return Object.is(score, -0) ? '-0' : String(score);
}

/**
 * Rebuilds a key with ordinary commands, for a target whose RDB version does not know the key's type code.
 * The target was flushed first, so commands add to nothing; the expiry is set last. `nowMs` is the time against
 * which field expiries are judged when the target cannot keep them.
 */
export function rewriteKey(
  key: Buffer,
  value: LogicalValue,
  expireAtMs: number | null,
  targetRdb: number,
  nowMs?: number,
): Rewrite {
  const commands: Arg[][] = [];
  let droppedFieldExpiries = 0;
  let expiredFields = 0;
  switch (value.kind) {
    case 'string':
      commands.push(['SET', key, value.value]);
      break;
    case 'list':
      for (const part of chunked(value.items, CHUNK)) commands.push(['RPUSH', key, ...part]);
      break;
    case 'set':
      for (const part of chunked(value.members, CHUNK)) commands.push(['SADD', key, ...part]);
      break;
    case 'zset':
      for (const part of chunked(value.entries, CHUNK)) {
        commands.push(['ZADD', key, ...part.flatMap((e) => [scoreText(e.score), e.member])]);
      }
      break;
    case 'hash': {
      const fieldExpiry = targetRdb >= FIELD_EXPIRY_SINCE_RDB;
      // Without field expiry on the target a field past its expiry would live on: leave it out, as a load would.
      const fields = fieldExpiry
        ? value.fields
        : value.fields.filter((f) => f.expireAtMs === null || nowMs === undefined || f.expireAtMs > nowMs);
      expiredFields = value.fields.length - fields.length;
      for (const part of chunked(fields, CHUNK)) {
        commands.push(['HSET', key, ...part.flatMap((f) => [f.field, f.value])]);
      }
      if (fieldExpiry) commands.push(...fieldExpiryCommands(key, fields));
      else droppedFieldExpiries = fields.filter((f) => f.expireAtMs !== null).length;
      break;
    }
    case 'stream':
      commands.push(...streamCommands(key, value.stream, targetRdb));
      break;
    case 'module':
      throw new Error('module values cannot be rebuilt with commands');
  }
  if (expireAtMs !== null) commands.push(['PEXPIREAT', key, expireAtMs]);
  return { commands, droppedFieldExpiries, expiredFields };
}

/** HPEXPIREAT per distinct expiry time, for the fields that have one (a time already past removes the field). */
function fieldExpiryCommands(key: Buffer, fields: readonly HashField[]): Arg[][] {
  const byTime = new Map<number, Buffer[]>();
  for (const { field, expireAtMs } of fields) {
    if (expireAtMs === null) continue;
    const same = byTime.get(expireAtMs);
    if (same) same.push(field);
    else byTime.set(expireAtMs, [field]);
  }
  const commands: Arg[][] = [];
  for (const [at, names] of byTime) {
    for (const part of chunked(names, CHUNK)) {
      commands.push(['HPEXPIREAT', key, at, 'FIELDS', part.length, ...part]);
    }
  }
  return commands;
}

/**
 * A stream rebuilt entry by entry, then its last id and counters, its groups, consumers and pending entries
 * (XCLAIM … FORCE JUSTID keeps each pending entry's owner, delivery time and count).
 */
function streamCommands(key: Buffer, stream: StreamValue, targetRdb: number): Arg[][] {
  const commands: Arg[][] = [];
  const v2 = targetRdb >= STREAM_V2_SINCE_RDB;
  for (const entry of stream.entries) commands.push(['XADD', key, entry.id, ...entry.fields]);
  if (stream.entries.length === 0) {
    // An empty stream still exists (it may have groups): create it with one entry trimmed away at once.
    commands.push(['XADD', key, 'MAXLEN', '0', stream.lastId === '0-0' ? '0-1' : stream.lastId, 'x', 'y']);
  }
  const setId: Arg[] = ['XSETID', key, stream.lastId];
  if (v2 && stream.entriesAdded !== null) setId.push('ENTRIESADDED', stream.entriesAdded);
  if (v2 && stream.maxDeletedId !== null) setId.push('MAXDELETEDID', stream.maxDeletedId);
  commands.push(setId);
  for (const group of stream.groups) {
    const create: Arg[] = ['XGROUP', 'CREATE', key, group.name, group.lastId];
    if (v2 && group.entriesRead !== null) create.push('ENTRIESREAD', group.entriesRead);
    commands.push(create);
    const delivery = new Map(group.pending.map((p) => [p.id, p]));
    for (const consumer of group.consumers) {
      if (v2) commands.push(['XGROUP', 'CREATECONSUMER', key, group.name, consumer.name]);
      for (const id of consumer.pending) {
        const pending = delivery.get(id);
        commands.push([
          'XCLAIM',
          key,
          group.name,
          consumer.name,
          '0',
          id,
          'TIME',
          pending?.deliveryTimeMs ?? 0,
          'RETRYCOUNT',
          pending?.deliveryCount ?? 1,
          'FORCE',
          'JUSTID',
        ]);
      }
    }
  }
  return commands;
}
