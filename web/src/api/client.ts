import { ApiError } from './api-error.ts';
import type { Proof } from './session.ts';
import { signWithWebCrypto } from './web-signer.ts';

export type Query = Record<string, string | number | undefined>;

const sha256Of = async (text: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');

/** A random nonce: two identical signed writes in the same second must still be two requests. */
function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The public HTTP API, called as the signed-in caller: each request signed as the SDKs sign it, or carrying the
 * token. The console can do only what the caller's role may.
 */
export class ApiClient {
  readonly #proof: Proof;
  readonly #origin: string;

  constructor(proof: Proof, origin: string = location.origin) {
    this.#proof = proof;
    this.#origin = origin;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, {}, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  async request<T>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const url = new URL(path, this.#origin);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> =
      payload === undefined ? {} : { 'content-type': 'application/json' };
    if (this.#proof.kind === 'token') {
      headers['x-auth-token'] = this.#proof.token;
    } else {
      if (method !== 'GET') headers['x-request-nonce'] = nonce();
      Object.assign(
        headers,
        await signWithWebCrypto(
          {
            method,
            rawPath: url.pathname,
            rawQuery: url.search.replace(/^\?/, ''),
            // The browser sends Host itself, as the page's host: the same value is signed.
            headers: { ...headers, host: url.host },
            payloadSha256: await sha256Of(payload ?? ''),
          },
          this.#proof.accessKey,
          this.#proof.secretKey,
          Date.now(),
        ),
      );
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: payload, cache: 'no-store' });
    } catch (error) {
      throw ApiError.from(error);
    }
    if (!response.ok) throw await ApiError.of(response);
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}
