import type { FastifyInstance } from 'fastify';
import { ROLES, type Credential, type Role } from '../../core/auth/credential.ts';
import { DomainError } from '../../core/errors.ts';
import { createCredential, revokeCredential } from '../../core/use-cases/credentials.ts';
import type { AppDeps } from '../app-deps.ts';
import { emptyBodyWhenAbsent } from '../optional-body.ts';

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: { type: 'string', enum: [...ROLES] },
    project_id: { type: ['string', 'null'] },
    description: { type: ['string', 'null'], maxLength: 255 },
  },
} as const;

const tokenBody = {
  type: 'object',
  additionalProperties: false,
  properties: { ttl_seconds: { type: 'integer', minimum: 60, maximum: 86_400 } },
} as const;

/** The wire form of a credential; the secret key appears only in the answer that created it. */
function credentialToWire(credential: Credential) {
  return {
    access_key: credential.accessKey,
    project_id: credential.projectId,
    role: credential.role,
    description: credential.description,
    created_at: new Date(credential.createdAt).toISOString(),
    revoked_at: credential.revokedAt === null ? null : new Date(credential.revokedAt).toISOString(),
  };
}

/** Credentials (admins only, under /admin) and tokens (any signed caller, for itself). */
export function registerCredentialRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post('/admin/v1/credentials', { schema: { body: createBody } }, async (request, reply) => {
    const body = request.body as { role: Role; project_id?: string | null; description?: string | null };
    const credential = await createCredential(deps, {
      role: body.role,
      projectId: body.project_id ?? null,
      description: body.description ?? null,
    });
    request.log.info({ accessKey: credential.accessKey, role: credential.role }, 'credential created');
    return reply.code(201).send({ ...credentialToWire(credential), secret_key: credential.secretKey });
  });

  app.get('/admin/v1/credentials', async () => {
    const credentials = await deps.store.credentials.list();
    return { credentials: credentials.map(credentialToWire) };
  });

  app.delete('/admin/v1/credentials/:access_key', async (request, reply) => {
    const { access_key: accessKey } = request.params as { access_key: string };
    await revokeCredential(deps, accessKey);
    deps.auth.forget(accessKey);
    request.log.info({ accessKey }, 'credential revoked');
    return reply.code(204).send();
  });

  app.post(
    '/auth/v1/tokens',
    {
      schema: { body: tokenBody },
      preValidation: emptyBodyWhenAbsent,
    },
    async (request) => {
      const caller = request.caller!;
      if (caller.via !== 'signature') {
        throw new DomainError(
          'role_forbidden',
          'Tokens are issued to signed requests only, not to other tokens.',
        );
      }
      const { ttl_seconds: ttl = 3600 } = request.body as { ttl_seconds?: number };
      const expiresAt = deps.clock.now() + ttl * 1000;
      return {
        token: deps.tokens.issue(caller.accessKey, expiresAt),
        access_key: caller.accessKey,
        expires_at: new Date(expiresAt).toISOString(),
      };
    },
  );
}
