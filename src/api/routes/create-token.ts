import Type from 'typebox';
import { DomainError } from '../../core/errors.ts';
import { defineOperation } from '../operations/operation.ts';

const tokenBody = Type.Object(
  {
    ttl_seconds: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 86_400, description: '3600 when left out' }),
    ),
  },
  { additionalProperties: false },
);

export const CreateToken = defineOperation({
  id: 'CreateToken',
  method: 'POST',
  path: '/auth/v1/tokens',
  // Any signed caller, for itself: the token carries the caller's own role and project.
  access: 'caller',
  summary: 'An X-Auth-Token for the signed caller itself',
  coverage: { family: 'service', status: 'any signed caller: an `X-Auth-Token` for itself' },
  schemas: {
    body: tokenBody,
    responses: {
      200: Type.Object({
        token: Type.String(),
        access_key: Type.String(),
        expires_at: Type.String({ format: 'date-time' }),
      }),
    },
  },
  optionalBody: true,
  errors: ['role_forbidden'],
  async handle(request, _reply, deps) {
    const caller = request.caller!;
    if (caller.via !== 'signature') {
      throw new DomainError(
        'role_forbidden',
        'Tokens are issued to signed requests only, not to other tokens.',
      );
    }
    const ttl = request.body.ttl_seconds ?? 3600;
    const expiresAt = deps.clock.now() + ttl * 1000;
    return {
      token: deps.tokens.issue(caller.accessKey, expiresAt),
      access_key: caller.accessKey,
      expires_at: new Date(expiresAt).toISOString(),
    };
  },
});
