import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { signRequest } from '../core/auth/sdk-signature.ts';
/** A failure the CLI reports in one line: a DCS error from the service, or the service out of reach. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** How the CLI proves who it is: an AK/SK pair (requests are signed as the SDKs sign them) or a token. */
export type CliAuth = { accessKey: string; secretKey: string } | { token: string } | null;

/** Talks to a running service over its HTTP API; the CLI never opens the database itself. */
export class ServiceClient {
  readonly #endpoint: string;
  readonly #auth: CliAuth;

  constructor(endpoint: string, auth: CliAuth = null) {
    this.#endpoint = endpoint.replace(/\/+$/, '');
    this.#auth = auth;
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.#request<T>('GET', path, query);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('POST', path, {}, body);
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('PUT', path, {}, body);
  }

  async delete(path: string, query: Record<string, string | number | undefined> = {}): Promise<void> {
    await this.#request('DELETE', path, query);
  }

  /**
   * PUTs a file's bytes as an octet stream, never read whole into memory. A signed request signs
   * X-Sdk-Content-Sha256 with the SHA-256 the caller computed beforehand: the service checks the bytes it stores
   * against it. `body` is read once; `onBytes` hears how many bytes went so far.
   */
  async upload<T>(
    path: string,
    file: { body: Readable; sizeBytes: number; sha256: string },
    onBytes?: (sent: number) => void,
  ): Promise<T> {
    const url = new URL(this.#endpoint + path);
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'x-sdk-content-sha256': file.sha256,
    };
    if (this.#auth !== null && 'accessKey' in this.#auth) headers['x-request-nonce'] = randomUUID();
    const signing = this.#auth !== null && 'accessKey' in this.#auth;
    Object.assign(
      headers,
      signing
        ? this.#signed('PUT', url, headers, file.sha256)
        : this.#authHeaders('PUT', url, headers, undefined),
    );
    let sent = 0;
    const counted = file.body.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      onBytes?.(sent);
    });
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { ...headers, 'content-length': String(file.sizeBytes) },
        body: Readable.toWeb(counted) as unknown as ReadableStream,
        duplex: 'half',
      } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`cannot upload to the service at ${this.#endpoint}: ${cause}`);
    } finally {
      file.body.destroy();
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : safeJson(text);
    if (!response.ok) throw failureOf(response, parsed);
    return parsed as T;
  }

  /** The raw response of a GET on a full URL (download links), with DCS errors turned into CliError. */
  async fetchUrl(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new CliError(`cannot reach ${new URL(url).origin}: ${(error as Error).message}`);
    }
    if (!response.ok) throw failureOf(response, safeJson(await response.text()));
    return response;
  }

  #authHeaders(method: string, url: URL, headers: Record<string, string>, payload: string | undefined) {
    if (this.#auth === null) return {};
    if ('token' in this.#auth) return { 'x-auth-token': this.#auth.token };
    return this.#signed(
      method,
      url,
      headers,
      createHash('sha256')
        .update(payload ?? '')
        .digest('hex'),
    );
  }

  #signed(method: string, url: URL, headers: Record<string, string>, payloadSha256: string) {
    if (this.#auth === null || !('accessKey' in this.#auth)) return {};
    return signRequest(
      {
        method,
        rawPath: url.pathname,
        rawQuery: url.search.replace(/^\?/, ''),
        headers: { ...headers, host: url.host },
        payloadSha256,
      },
      this.#auth.accessKey,
      this.#auth.secretKey,
      Date.now(),
    );
  }

  async #request<T>(
    method: string,
    path: string,
    query: Record<string, string | number | undefined>,
    body?: unknown,
  ): Promise<T> {
    const url = new URL(this.#endpoint + path);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> =
      payload === undefined ? {} : { 'content-type': 'application/json' };
    // The service refuses a signed state-changing request it has seen before; two identical commands run
    // within the same second (X-Sdk-Date's resolution) must still be two requests.
    if (method !== 'GET' && this.#auth !== null && 'accessKey' in this.#auth) {
      headers['x-request-nonce'] = randomUUID();
    }
    Object.assign(headers, this.#authHeaders(method, url, headers, payload));
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: payload });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`cannot reach the service at ${this.#endpoint}: ${cause}`);
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : safeJson(text);
    if (!response.ok) throw failureOf(response, parsed);
    return parsed as T;
  }
}

/** A failed answer in one line: the DCS code and message when there is a DCS body, and the request id. */
function failureOf(response: Response, body: unknown): CliError {
  const dcs = body as { error_code?: string; error_msg?: string } | undefined;
  const requestId = response.headers.get('x-request-id');
  const what = dcs?.error_code
    ? `${dcs.error_code} ${dcs.error_msg ?? ''}`.trim()
    : `HTTP ${response.status}`;
  return new CliError(`${what}${requestId ? ` (request ${requestId})` : ''}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
