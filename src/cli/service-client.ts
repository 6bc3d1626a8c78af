/** A failure the CLI reports in one line: a DCS error from the service, or the service out of reach. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Talks to a running service over its HTTP API; the CLI never opens the database itself. */
export class ServiceClient {
  readonly #endpoint: string;

  constructor(endpoint: string) {
    this.#endpoint = endpoint.replace(/\/+$/, '');
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.#request<T>('GET', path, query);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('POST', path, {}, body);
  }

  async delete(path: string, query: Record<string, string | number | undefined> = {}): Promise<void> {
    await this.#request('DELETE', path, query);
  }

  /** The raw response of a GET on a full URL (download links), with DCS errors turned into CliError. */
  async fetchUrl(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new CliError(`cannot reach ${new URL(url).origin}: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const dcs = (await response.json().catch(() => undefined)) as
        { error_code?: string; error_msg?: string } | undefined;
      throw new CliError(
        dcs?.error_code ? `${dcs.error_code} ${dcs.error_msg ?? ''}`.trim() : `HTTP ${response.status}`,
      );
    }
    return response;
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
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`cannot reach the service at ${this.#endpoint}: ${cause}`);
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : safeJson(text);
    if (!response.ok) {
      const dcs = parsed as { error_code?: string; error_msg?: string } | undefined;
      const requestId = response.headers.get('x-request-id');
      const what = dcs?.error_code
        ? `${dcs.error_code} ${dcs.error_msg ?? ''}`.trim()
        : `HTTP ${response.status}`;
      throw new CliError(`${what}${requestId ? ` (request ${requestId})` : ''}`);
    }
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
