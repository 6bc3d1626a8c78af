import Type from 'typebox';
import { ROLES } from '../../core/auth/credential.ts';
import { createCredential } from '../../core/use-cases/credentials.ts';
import { defineOperation } from '../operations/operation.ts';
import { createdCredentialWireSchema, credentialToWire } from '../wire/credential-wire.ts';
import { nullable, stringEnum } from '../wire/schema-kit.ts';

const createBody = Type.Object(
  {
    role: stringEnum(ROLES),
    project_id: Type.Optional(
      nullable(Type.String({ description: 'for operators and viewers (DCS.4002 without); none for admins' })),
    ),
    description: Type.Optional(nullable(Type.String({ maxLength: 255 }))),
  },
  { additionalProperties: false },
);

export const CreateCredential = defineOperation({
  id: 'CreateCredential',
  method: 'POST',
  path: '/admin/v1/credentials',
  access: 'admin',
  summary: 'A new AK/SK pair with a role; the secret key is shown in this answer only',
  coverage: { family: 'service', status: 'admin only: a new AK/SK with a role' },
  schemas: { body: createBody, responses: { 201: createdCredentialWireSchema } },
  successStatus: 201,
  errors: ['invalid_project_id'],
  async handle(request, reply, deps) {
    const body = request.body;
    const credential = await createCredential(deps, {
      role: body.role,
      projectId: body.project_id ?? null,
      description: body.description ?? null,
    });
    request.log.info({ accessKey: credential.accessKey, role: credential.role }, 'credential created');
    return reply.code(201).send({ ...credentialToWire(credential), secret_key: credential.secretKey });
  },
});
