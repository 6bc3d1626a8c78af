import Type from 'typebox';
import { defineOperation } from '../operations/operation.ts';
import { projectIdFrom, projectParams } from '../path-params.ts';
import { instanceToWire, instanceWireSchema } from '../wire/instance-wire.ts';

export const ListInstances = defineOperation({
  id: 'ListInstances',
  method: 'GET',
  path: '/v2/:project_id/instances',
  access: 'read',
  summary: "The project's instances",
  coverage: {
    family: 'dcs',
    status:
      '**partial**: the fields that apply to an attached server (`instance_id`, `name`, `engine`, `engine_version`, `cache_mode`, `ip`, `port`, `domain_name`, `status`, `no_password_access`, `access_user`, `enable_ssl`, `instance_backup_policy`, `created_at`); no query filters',
  },
  schemas: {
    params: projectParams,
    responses: {
      200: Type.Object({ instance_num: Type.Integer(), instances: Type.Array(instanceWireSchema) }),
    },
  },
  errors: [],
  async handle(request, _reply, deps) {
    const instances = await deps.store.instances.list(projectIdFrom(request.params));
    const policies = await deps.store.policies.findMany(instances.map((i) => i.id));
    return {
      instance_num: instances.length,
      instances: instances.map((i) => instanceToWire(i, policies.get(i.id), deps.clock.now())),
    };
  },
});
