import Type from 'typebox';
import { DomainError } from '../../core/errors.ts';
import { detachInstance } from '../../core/use-cases/detach-instance.ts';
import { defineOperation } from '../operations/operation.ts';
import { instanceIdFrom, instanceIdParam } from '../path-params.ts';
import { stringEnum } from '../wire/schema-kit.ts';

export const DetachInstance = defineOperation({
  id: 'DetachInstance',
  method: 'DELETE',
  path: '/admin/v1/instances/:instance_id',
  access: 'admin',
  summary: 'Detach an instance (with force, even when backups still hold data)',
  coverage: { family: 'service', status: 'admin only: detach (`force=true` even with backups holding data)' },
  schemas: {
    params: Type.Object({ instance_id: instanceIdParam }),
    querystring: Type.Object({ force: Type.Optional(stringEnum(['true', 'false'])) }),
    responses: { 204: null },
  },
  successStatus: 204,
  errors: ['invalid_instance_id', 'instance_not_found', 'instance_has_backups', 'invalid_parameter'],
  async handle(request, reply, deps) {
    const { force } = request.query;
    if (force !== undefined && force !== 'true' && force !== 'false') {
      throw new DomainError(
        'invalid_parameter',
        'Invalid force in the request: expected true or false.',
        'force',
      );
    }
    const instanceId = instanceIdFrom(request.params);
    await detachInstance(deps, instanceId, force === 'true');
    request.log.info({ instanceId }, 'instance detached');
    return reply.code(204).send();
  },
});
