import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import type { MetadataStore } from '../core/ports.ts';
import { createCredential } from '../core/use-cases/credentials.ts';

export const CREDENTIALS_FILE = 'credentials.json';

/**
 * On the very first start (no active admin at all), creates an admin credential and writes it to
 * <data-dir>/credentials.json with mode 0600, where the CLI finds it. Returns the new AK, or null.
 */
export async function bootstrapAdmin(
  deps: { store: MetadataStore; clock: Clock },
  dataDir: string,
  endpoint: string,
): Promise<{ accessKey: string; file: string } | null> {
  const existing = await deps.store.credentials.list();
  if (existing.some((c) => c.role === 'admin' && c.revokedAt === null)) return null;
  const credential = await createCredential(deps, {
    role: 'admin',
    projectId: null,
    description: 'created on first start',
  });
  const file = path.join(dataDir, CREDENTIALS_FILE);
  const content = {
    access_key: credential.accessKey,
    secret_key: credential.secretKey,
    role: credential.role,
    endpoint,
  };
  fs.writeFileSync(file, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { accessKey: credential.accessKey, file };
}
