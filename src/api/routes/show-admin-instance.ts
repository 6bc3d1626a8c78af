import Type from 'typebox';
import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceIdParam } from '../path-params.ts';
import { adminInstanceWireSchema, instanceToAdminWire } from '../wire/instance-wire.ts';

export const ShowAdminInstance = defineOperation({
  id: 'ShowAdminInstance',
  method: 'GET',
  path: '/admin/v1/instances/:instance_id',
  access: 'admin',
  summary: 'One instance of any project, with how it is attached',
  coverage: { family: 'service', status: 'admin only: one instance, with its project' },
  schemas: {
    params: Type.Object({ instance_id: instanceIdParam }),
    responses: { 200: adminInstanceWireSchema },
  },
  errors: ['invalid_instance_id', 'instance_not_found'],
  async handle(request, _reply, deps) {
    const instance = await deps.store.instances.findById(instanceIdFrom(request.params));
    if (!instance) throw new DomainError('instance_not_found', 'This DCS instance does not exist.');
    return instanceToAdminWire(instance, await deps.store.policies.find(instance.id), deps.clock.now());
  },
});
