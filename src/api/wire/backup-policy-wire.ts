import {
  type BackupPlan,
  MAX_KEEP_COUNT,
  nextBackupAt,
  POLICY_BACKUP_TYPES,
  type StoredPolicy,
  parseWindowLabel,
  windowLabel,
} from '../../core/backup-policy.ts';
import Type from 'typebox';
import { isOneOf } from '../../core/backup-record.ts';
import { DomainError, invalidParameter } from '../../core/errors.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { isTimezoneOffset, TIMEZONE_OFFSET_PATTERN } from '../../core/timezone-offset.ts';
import type { PolicyRequest } from '../../core/use-cases/set-backup-policy.ts';
import { nullable, nullableInteger, nullableString, stringEnum } from './schema-kit.ts';

const POLICY = 'instance_backup_policy';
const PLAN = `${POLICY}.periodical_backup_plan`;
const POLICY_FIELDS = ['backup_type', 'save_days', 'periodical_backup_plan', 'keep_last', 'max_backups'];
const PLAN_FIELDS = ['backup_at', 'period_type', 'begin_at', 'timezone_offset'];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function refuseUnknown(object: Json, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw invalidParameter(`${prefix}.${key}`);
  }
}

/**
 * Reads DCS's instance_backup_policy (SDK class BackupPolicy) with the error code DCS gives each field. Types
 * are checked strictly: "1" is not a number of days. Ranges that depend on configuration are the use case's.
 */
export function policyRequestFromWire(wire: unknown): PolicyRequest {
  if (!isObject(wire)) throw invalidParameter(POLICY);
  refuseUnknown(wire, POLICY_FIELDS, POLICY);
  const backupType = wire.backup_type;
  if (typeof backupType !== 'string' || !isOneOf(POLICY_BACKUP_TYPES, backupType)) {
    throw new DomainError('invalid_policy_type', 'backup_type must be "auto" or "manual".');
  }
  const request: PolicyRequest = { backupType };
  if (wire.save_days !== undefined && wire.save_days !== null) {
    if (!Number.isSafeInteger(wire.save_days)) {
      throw new DomainError('invalid_save_days', 'save_days must be an integer number of days.');
    }
    request.saveDays = wire.save_days as number;
  }
  const keepLast = countField(wire, 'keep_last');
  if (keepLast !== undefined) request.keepLast = keepLast;
  const maxBackups = countField(wire, 'max_backups');
  if (maxBackups !== undefined) request.maxBackups = maxBackups;
  if (wire.periodical_backup_plan !== undefined && wire.periodical_backup_plan !== null) {
    request.plan = planFromWire(wire.periodical_backup_plan);
  }
  return request;
}

function countField(wire: Json, name: string): number | undefined {
  const value = wire[name];
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_KEEP_COUNT) {
    throw invalidParameter(`${POLICY}.${name}`, `${name} must be an integer from 1 to ${MAX_KEEP_COUNT}.`);
  }
  return value as number;
}

function planFromWire(wire: unknown): BackupPlan {
  if (!isObject(wire)) throw invalidParameter(PLAN);
  refuseUnknown(wire, PLAN_FIELDS, PLAN);
  if (wire.period_type !== 'weekly') {
    throw new DomainError('invalid_period_type', 'period_type must be "weekly".');
  }
  const days = wire.backup_at;
  if (
    !Array.isArray(days) ||
    days.length === 0 ||
    !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7) ||
    new Set(days).size !== days.length
  ) {
    throw new DomainError(
      'invalid_backup_at',
      'backup_at must be a non-empty list of distinct weekdays from 1 (Monday) to 7 (Sunday).',
    );
  }
  const beginHour = typeof wire.begin_at === 'string' ? parseWindowLabel(wire.begin_at) : undefined;
  if (beginHour === undefined) {
    throw new DomainError(
      'invalid_begin_at',
      'begin_at must be a one-hour window on the hour, in UTC: "HH:00-HH+1:00", e.g. "02:00-03:00".',
    );
  }
  const offset = wire.timezone_offset;
  if (offset !== undefined && offset !== null && (typeof offset !== 'string' || !isTimezoneOffset(offset))) {
    throw invalidParameter(
      `${PLAN}.timezone_offset`,
      `Invalid ${PLAN}.timezone_offset in the request: give a UTC offset from -12:00 to +14:00, such as "+08:00" or "GMT+08:00".`,
    );
  }
  return {
    weekdays: [...(days as number[])].sort((a, b) => a - b),
    periodType: 'weekly',
    beginHour,
    timezoneOffset: (offset as string | undefined) ?? null,
  };
}

/**
 * The DCS InstanceBackupPolicy shown on an instance (keep_last, max_backups and next_backup_at are this
 * service's); `now` places next_backup_at.
 */
export function policyToWire(stored: StoredPolicy | undefined, now: number) {
  if (!stored) return null;
  const { policy } = stored;
  return {
    backup_policy_id: stored.id,
    created_at: formatIsoUtc(stored.createdAt),
    updated_at: formatIsoUtc(stored.updatedAt),
    tenant_id: stored.projectId,
    policy: {
      backup_type: policy.backupType,
      save_days: policy.saveDays,
      periodical_backup_plan: policy.plan && {
        backup_at: policy.plan.weekdays,
        period_type: policy.plan.periodType,
        begin_at: windowLabel(policy.plan.beginHour),
        timezone_offset: policy.plan.timezoneOffset,
      },
      keep_last: policy.keepLast,
      max_backups: policy.maxBackups,
    },
    next_backup_at: formatNullable(nextBackupAt(stored, now)),
  };
}

const formatNullable = (at: number | null) => (at === null ? null : formatIsoUtc(at));

/** Every one-hour window a plan may begin at: 00:00-01:00 … 23:00-00:00. */
const BACKUP_WINDOWS = Array.from({ length: 24 }, (_, hour) => windowLabel(hour));

export const policyWireSchema = nullable(
  Type.Object(
    {
      backup_policy_id: Type.String({ format: 'uuid' }),
      created_at: Type.String({ format: 'date-time' }),
      updated_at: Type.String({ format: 'date-time' }),
      tenant_id: Type.String(),
      policy: Type.Object({
        backup_type: stringEnum(POLICY_BACKUP_TYPES),
        save_days: nullableInteger(),
        periodical_backup_plan: nullable(
          Type.Object({
            backup_at: Type.Array(Type.Integer({ minimum: 1, maximum: 7 })),
            period_type: stringEnum(['weekly']),
            begin_at: Type.String({ description: 'HH:00-HH+1:00, UTC' }),
            timezone_offset: nullableString(),
          }),
        ),
        keep_last: nullableInteger(),
        max_backups: nullableInteger(),
      }),
      next_backup_at: nullable(Type.String({ format: 'date-time' })),
    },
    { title: 'InstanceBackupPolicy' },
  ),
);

/**
 * The request's instance_backup_policy as documented (SDK class BackupPolicy). It is read by hand
 * (policyRequestFromWire) because DCS answers each field with its own code (DCS.4072-4076); a test checks that
 * the two agree.
 */
export const policyRequestWireSchema = Type.Object(
  {
    backup_type: stringEnum(POLICY_BACKUP_TYPES, { description: 'DCS.4073 otherwise' }),
    save_days: Type.Optional(
      nullable(
        Type.Integer({ minimum: 1, description: 'up to 7, or DCS_MAX_SAVE_DAYS; DCS.4072 otherwise' }),
      ),
    ),
    periodical_backup_plan: Type.Optional(
      nullable(
        Type.Object(
          {
            backup_at: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
              minItems: 1,
              uniqueItems: true,
              description: 'weekdays, 1 (Monday) to 7 (Sunday); DCS.4075 otherwise',
            }),
            period_type: stringEnum(['weekly'], { description: 'DCS.4074 otherwise' }),
            begin_at: stringEnum(BACKUP_WINDOWS, {
              description: 'a one-hour window on the hour, UTC, as 02:00-03:00; DCS.4076 otherwise',
            }),
            timezone_offset: Type.Optional(
              nullable(
                Type.String({
                  pattern: TIMEZONE_OFFSET_PATTERN,
                  description: '-12:00 to +14:00, as +08:00 or GMT+08:00',
                }),
              ),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    keep_last: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: MAX_KEEP_COUNT }))),
    max_backups: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: MAX_KEEP_COUNT }))),
  },
  { additionalProperties: false, title: 'BackupPolicy' },
);
