import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { signRequest } from '../src/core/auth/sdk-signature.ts';

export interface RequestSpec {
  path: string;
  headers: Record<string, string>;
}

/**
 * The admin credential the service wrote on first start: a token for it, and a way to pre-sign requests
 * (signing inside the load generator would load the machine the server shares).
 */
export async function credentialsFor(base: string, dataDir: string) {
  const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as {
    access_key: string;
    secret_key: string;
  };
  const host = new URL(base).host;
  const sign = (method: string, target: string, payload: string) => {
    const [rawPath, rawQuery = ''] = target.split('?');
    const headers = { host, 'content-type': 'application/json' };
    const payloadSha256 = createHash('sha256').update(payload).digest('hex');
    const auth = signRequest(
      { method, rawPath: rawPath!, rawQuery, headers, payloadSha256 },
      file.access_key,
      file.secret_key,
      Date.now(),
    );
    return { ...headers, ...auth };
  };
  const body = JSON.stringify({ ttl_seconds: 3600 });
  const issued = await fetch(`${base}/auth/v1/tokens`, {
    method: 'POST',
    headers: sign('POST', '/auth/v1/tokens', body),
    body,
  });
  const { token } = (await issued.json()) as { token: string };
  const signedPool = (next: () => string, size: number): RequestSpec[] =>
    Array.from({ length: size }, () => {
      const target = next();
      return { path: target, headers: sign('GET', target, '') };
    });
  return { token, signedPool };
}
