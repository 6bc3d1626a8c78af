import { randomBytes } from 'node:crypto';
import type { Credential, Role } from '../auth/credential.ts';
import type { Clock } from '../clock.ts';
import { DomainError, invalidParameter } from '../errors.ts';
import { isProjectId } from '../ids.ts';
import type { MetadataStore } from '../ports.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_ALPHABET = ALPHABET + 'abcdefghijklmnopqrstuvwxyz';

/** Random text from an alphabet, without modulo bias (rejection sampling). */
function randomText(length: number, alphabet: string): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % alphabet.length)) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** An AK/SK pair shaped as Huawei Cloud issues them: a 20-character AK and a 40-character SK. */
export async function createCredential(
  deps: { store: MetadataStore; clock: Clock },
  request: { projectId: string | null; role: Role; description: string | null },
): Promise<Credential> {
  if (request.role === 'admin' && request.projectId !== null) {
    throw invalidParameter(
      'project_id',
      'Invalid project_id in the request: admin credentials belong to no project.',
    );
  }
  if (request.role !== 'admin' && (request.projectId === null || !isProjectId(request.projectId))) {
    throw new DomainError(
      'invalid_project_id',
      'Invalid project ID format: operators and viewers need a project.',
    );
  }
  const credential: Credential = {
    accessKey: randomText(20, ALPHABET),
    secretKey: randomText(40, SECRET_ALPHABET),
    projectId: request.projectId,
    role: request.role,
    description: request.description,
    createdAt: deps.clock.now(),
    revokedAt: null,
  };
  await deps.store.credentials.insert(credential);
  return credential;
}

export async function revokeCredential(
  deps: { store: MetadataStore; clock: Clock },
  accessKey: string,
): Promise<void> {
  if (!(await deps.store.credentials.revoke(accessKey, deps.clock.now()))) {
    throw new DomainError('credential_not_found', 'The credential does not exist or is revoked.');
  }
}
