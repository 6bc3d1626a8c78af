import Type from 'typebox';
import { revokeCredential } from '../../core/use-cases/credentials.ts';
import { defineOperation } from '../operations/operation.ts';

export const RevokeCredential = defineOperation({
  id: 'RevokeCredential',
  method: 'DELETE',
  path: '/admin/v1/credentials/:access_key',
  access: 'admin',
  summary: 'Revoke a credential: its signatures and tokens stop working at once',
  coverage: { family: 'service', status: 'admin only' },
  schemas: { params: Type.Object({ access_key: Type.String() }), responses: { 204: null } },
  successStatus: 204,
  errors: ['credential_not_found'],
  async handle(request, reply, deps) {
    const { access_key: accessKey } = request.params;
    await revokeCredential(deps, accessKey);
    deps.auth.forget(accessKey);
    request.log.info({ accessKey }, 'credential revoked');
    return reply.code(204).send();
  },
});
