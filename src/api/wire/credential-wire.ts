import Type from 'typebox';
import { ROLES, type Credential } from '../../core/auth/credential.ts';
import { nullable, nullableString, stringEnum } from './schema-kit.ts';

/** The wire form of a credential; the secret key appears only in the answer that created it. */
export function credentialToWire(credential: Credential) {
  return {
    access_key: credential.accessKey,
    project_id: credential.projectId,
    role: credential.role,
    description: credential.description,
    created_at: new Date(credential.createdAt).toISOString(),
    revoked_at: credential.revokedAt === null ? null : new Date(credential.revokedAt).toISOString(),
  };
}

const credentialProperties = {
  access_key: Type.String(),
  project_id: nullable(Type.String({ description: 'null for admins' })),
  role: stringEnum(ROLES),
  description: nullableString(),
  created_at: Type.String({ format: 'date-time' }),
  revoked_at: nullable(Type.String({ format: 'date-time' })),
};

export const credentialWireSchema = Type.Object(credentialProperties, { title: 'Credential' });

export const createdCredentialWireSchema = Type.Object({
  ...credentialProperties,
  secret_key: Type.String({ description: 'shown once, in this answer only' }),
});
