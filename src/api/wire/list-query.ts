import Type from 'typebox';
import { BACKUP_FORMATS, BACKUP_STATUSES, BACKUP_TYPES, isOneOf } from '../../core/backup-record.ts';
import { DomainError, invalidParameter } from '../../core/errors.ts';
import type { BackupQuery } from '../../core/ports.ts';
import { parseCompactUtc } from '../../core/time-format.ts';

const SECOND_MS = 1000;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1000;

export type RawQuery = Record<string, string | string[] | undefined>;

const COMPACT_TIME = '^[0-9]{14}$';
const listOf = (values: readonly string[]) => `^(${values.join('|')})(,(${values.join('|')}))*$`;

/**
 * The listing query as documented. It is parsed by hand (parseListWindow) rather than validated from this
 * schema: a repeated parameter, the legacy aliases and an end before the begin each have their own DCS answer
 * and message; a test checks that the two agree.
 */
export const listWindowQuerySchema = Type.Object({
  begin_time: Type.Optional(
    Type.String({
      pattern: COMPACT_TIME,
      description: 'UTC, yyyyMMddHHmmss: records created at or after it',
    }),
  ),
  end_time: Type.Optional(
    Type.String({
      pattern: COMPACT_TIME,
      description: 'UTC, yyyyMMddHHmmss: records created up to that second',
    }),
  ),
  beginTime: Type.Optional(
    Type.String({ pattern: COMPACT_TIME, deprecated: true, description: 'begin_time' }),
  ),
  endTime: Type.Optional(Type.String({ pattern: COMPACT_TIME, deprecated: true, description: 'end_time' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
});

export const backupListQuerySchema = Type.Object({
  ...listWindowQuerySchema.properties,
  status: Type.Optional(
    Type.String({ pattern: listOf(BACKUP_STATUSES), description: 'comma-separated statuses' }),
  ),
  backup_type: Type.Optional(
    Type.String({ pattern: listOf(BACKUP_TYPES), description: 'comma-separated types' }),
  ),
  backup_format: Type.Optional(
    Type.String({ pattern: listOf(BACKUP_FORMATS), description: 'comma-separated formats' }),
  ),
});

/** The paging and time-window part shared by the backup and restore listings. */
export interface ListWindow {
  createdFrom?: number;
  createdBefore?: number;
  limit: number;
  offset: number;
}

/**
 * Reads begin_time, end_time (or the legacy beginTime/endTime), limit and offset. A record matches when
 * begin_time <= created_at < end_time + 1 s: both ends are inclusive at the second resolution of the format.
 */
export function parseListWindow(query: RawQuery): ListWindow {
  const begin = timeParameter(query, 'begin_time', 'beginTime');
  const end = timeParameter(query, 'end_time', 'endTime');
  if (begin !== undefined && end !== undefined && end < begin) {
    throw new DomainError('end_before_begin', 'The end time must be after the start time.');
  }
  const window: ListWindow = {
    limit: integerParameter(query, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    offset: integerParameter(query, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
  };
  if (begin !== undefined) window.createdFrom = begin;
  if (end !== undefined) window.createdBefore = end + SECOND_MS;
  return window;
}

/** The backup listing's query: the DCS window plus this service's status, backup_type and backup_format filters. */
export function parseBackupQuery(instanceId: string, query: RawQuery): BackupQuery {
  const result: BackupQuery = { instanceId, ...parseListWindow(query) };
  const statuses = enumListParameter(query, 'status', BACKUP_STATUSES);
  const types = enumListParameter(query, 'backup_type', BACKUP_TYPES);
  const formats = enumListParameter(query, 'backup_format', BACKUP_FORMATS);
  if (statuses) result.statuses = statuses;
  if (types) result.types = types;
  if (formats) result.formats = formats;
  return result;
}

/** A parameter given once; repeating it is an error rather than a silent pick. */
function single(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value))
    throw invalidParameter(name, `Invalid ${name} in the request: given more than once.`);
  return value;
}

function timeParameter(query: RawQuery, name: string, alias: string): number | undefined {
  const primary = single(query, name);
  const legacy = single(query, alias);
  if (primary !== undefined && legacy !== undefined && primary !== legacy) {
    throw invalidParameter(name, `Invalid ${name} in the request: ${name} and ${alias} disagree.`);
  }
  const text = primary ?? legacy;
  if (text === undefined) return undefined;
  const ms = parseCompactUtc(text);
  if (ms === undefined) {
    throw invalidParameter(
      name,
      `Invalid ${name} in the request: expected a UTC time as yyyyMMddHHmmss, for example 20170718235959.`,
    );
  }
  return ms;
}

function integerParameter(query: RawQuery, name: string, min: number, max: number): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw invalidParameter(
      name,
      `Invalid ${name} in the request: expected an integer from ${min} to ${max}.`,
    );
  }
  return value;
}

function enumListParameter<T extends string>(
  query: RawQuery,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const values = text.split(',');
  if (!values.every((v) => isOneOf(allowed, v))) {
    throw invalidParameter(
      name,
      `Invalid ${name} in the request: expected a comma-separated list of ${allowed.join(', ')}.`,
    );
  }
  return [...new Set(values as T[])];
}
