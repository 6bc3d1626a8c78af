import Type, { type TSchema } from 'typebox';
import { DomainError, invalidParameter } from '../../core/errors.ts';
import { policyRequestWireSchema } from './backup-policy-wire.ts';
import { nullable } from './schema-kit.ts';

/**
 * UpdateInstance fields DCS defines for the managed server itself. They mean nothing for an attached server, and
 * the Terraform provider sends them alongside the policy, so they are accepted and have no effect.
 */
const IGNORED_INSTANCE_FIELDS = ['description', 'maintain_begin', 'maintain_end', 'security_group_id'];
/** The policy fields older Terraform providers send at the top level (deprecated there, still accepted). */
const LEGACY_POLICY_FIELDS = ['backup_type', 'save_days', 'begin_at', 'period_type', 'backup_at'];

const legacy = (schema: TSchema) => Type.Optional(Type.Unsafe({ ...schema, deprecated: true }));

/** The UpdateInstance body as documented; read by instanceUpdateFromWire, which gives DCS's codes. */
export const instanceUpdateWireSchema = Type.Object(
  {
    instance_backup_policy: Type.Optional(nullable(policyRequestWireSchema)),
    name: Type.Optional(Type.String({ description: 'the current name only: renaming answers DCS.4902' })),
    description: Type.Optional(Type.Unknown({ description: 'accepted, no effect' })),
    maintain_begin: Type.Optional(Type.Unknown({ description: 'accepted, no effect' })),
    maintain_end: Type.Optional(Type.Unknown({ description: 'accepted, no effect' })),
    security_group_id: Type.Optional(Type.Unknown({ description: 'accepted, no effect' })),
    backup_type: legacy(policyRequestWireSchema.properties.backup_type),
    save_days: legacy(Type.Integer({ minimum: 1 })),
    begin_at: legacy(Type.String()),
    period_type: legacy(Type.String()),
    backup_at: legacy(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }))),
  },
  { additionalProperties: false, title: 'UpdateInstanceBody' },
);

export interface InstanceUpdate {
  /** The instance_backup_policy as sent, or undefined when the body sets none. */
  policy: unknown;
  /** The name, when sent: the Terraform provider sends the current one with every update. */
  name: string | undefined;
}

/**
 * Reads an UpdateInstance body. The legacy top-level policy fields are mapped onto a policy; unknown fields
 * are refused.
 */
export function instanceUpdateFromWire(body: unknown): InstanceUpdate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DomainError('invalid_body', 'The request body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const known = ['instance_backup_policy', 'name', ...IGNORED_INSTANCE_FIELDS, ...LEGACY_POLICY_FIELDS];
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) throw invalidParameter(key);
  }
  if (fields.name !== undefined && typeof fields.name !== 'string') throw invalidParameter('name');
  const name = fields.name as string | undefined;
  if (fields.instance_backup_policy !== undefined && fields.instance_backup_policy !== null) {
    return { policy: fields.instance_backup_policy, name };
  }
  const legacy = LEGACY_POLICY_FIELDS.filter((key) => fields[key] !== undefined);
  if (legacy.length === 0) return { policy: undefined, name };
  const policy: Record<string, unknown> = { backup_type: fields.backup_type, save_days: fields.save_days };
  if (fields.begin_at !== undefined || fields.backup_at !== undefined || fields.period_type !== undefined) {
    policy.periodical_backup_plan = {
      begin_at: fields.begin_at,
      backup_at: fields.backup_at,
      period_type: fields.period_type ?? 'weekly',
    };
  }
  return { policy, name };
}
