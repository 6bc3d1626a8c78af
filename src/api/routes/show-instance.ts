import { requireInstance } from '../../core/use-cases/require-instance.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceParams, projectIdFrom } from '../path-params.ts';
import { instanceToWire, instanceWireSchema } from '../wire/instance-wire.ts';

export const ShowInstance = defineOperation({
  id: 'ShowInstance',
  method: 'GET',
  path: '/v2/:project_id/instances/:instance_id',
  access: 'read',
  summary: 'One instance, with its backup policy',
  coverage: {
    family: 'dcs',
    status:
      '**partial**: as ListInstances; `instance_backup_policy` is the DCS `InstanceBackupPolicy` (`backup_policy_id`, `created_at`, `updated_at`, `tenant_id`, `policy{…}`) or null, plus `next_backup_at`',
  },
  schemas: { params: instanceParams, responses: { 200: instanceWireSchema } },
  errors: [],
  async handle(request, _reply, deps) {
    const projectId = projectIdFrom(request.params);
    const instance = await requireInstance(deps.store, projectId, instanceIdFrom(request.params));
    return instanceToWire(instance, await deps.store.policies.find(instance.id), deps.clock.now());
  },
});
