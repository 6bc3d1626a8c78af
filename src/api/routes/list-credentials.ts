import Type from 'typebox';
import { defineOperation } from '../operations/operation.ts';
import { credentialToWire, credentialWireSchema } from '../wire/credential-wire.ts';

export const ListCredentials = defineOperation({
  id: 'ListCredentials',
  method: 'GET',
  path: '/admin/v1/credentials',
  access: 'admin',
  summary: 'Every credential, never a secret',
  coverage: { family: 'service', status: 'admin only: every credential, never a secret' },
  schemas: { responses: { 200: Type.Object({ credentials: Type.Array(credentialWireSchema) }) } },
  errors: [],
  async handle(_request, _reply, deps) {
    const credentials = await deps.store.credentials.list();
    return { credentials: credentials.map(credentialToWire) };
  },
});
