import { DCS_MAX_SAVE_DAYS } from '../../core/backup-policy.ts';
import { DomainError } from '../../core/errors.ts';
import { requireInstance } from '../../core/use-cases/require-instance.ts';
import { setBackupPolicy } from '../../core/use-cases/set-backup-policy.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { policyRequestFromWire } from '../wire/backup-policy-wire.ts';
import { instanceUpdateFromWire, instanceUpdateWireSchema } from '../wire/instance-update.ts';

export const UpdateInstance = defineOperation({
  id: 'UpdateInstance',
  method: 'PUT',
  path: '/v2/:project_id/instances/:instance_id',
  access: 'write',
  summary: "Set an instance's backup policy (the other DCS fields are accepted and have no effect)",
  coverage: {
    family: 'dcs',
    label: 'backup policy',
    status:
      '**supported for the backup policy**: `instance_backup_policy` (204; `DCS.4072`–`DCS.4076`), the legacy top-level `backup_type`/`save_days`/`begin_at`/`period_type`/`backup_at`; `description`, `maintain_begin`, `maintain_end` and `security_group_id` are accepted and have no effect; `name` must be the current one (`DCS.4902` otherwise); extensions `keep_last`, `max_backups`, `save_days` up to `DCS_MAX_SAVE_DAYS`',
  },
  // The body is read by hand (instanceUpdateFromWire): each policy field has its own DCS code.
  schemas: { params: instanceParams, documentedBody: instanceUpdateWireSchema, responses: { 204: null } },
  successStatus: 204,
  errors: [
    'invalid_save_days',
    'invalid_policy_type',
    'invalid_period_type',
    'invalid_backup_at',
    'invalid_begin_at',
    'not_supported',
  ],
  async handle(request, reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instanceId = instanceIdFrom(request.params);
    if (request.body === undefined) throw new DomainError('empty_body', 'Empty request body.');
    const update = instanceUpdateFromWire(request.body);
    const instance = await requireInstance(deps.store, projectId, instanceId);
    if (update.name !== undefined && update.name !== instance.name) {
      throw new DomainError(
        'not_supported',
        'Renaming an instance is not supported: detach it and attach it again under the new name.',
      );
    }
    // Terraform sends no policy for "manual": then nothing changes.
    if (update.policy === undefined) return reply.code(204).send();
    const stored = await setBackupPolicy(
      { store: deps.store, clock: deps.clock, maxSaveDays: deps.maxSaveDays ?? DCS_MAX_SAVE_DAYS },
      projectId,
      instanceId,
      policyRequestFromWire(update.policy),
    );
    request.log.info(
      { instanceId, backupType: stored.policy.backupType, nextWindowAt: stored.nextWindowAt },
      'backup policy set',
    );
    return reply.code(204).send();
  },
});
