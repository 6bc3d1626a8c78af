/** A refused call: the DCS error code and message, and the request id to quote to whoever runs the service. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  static async of(response: Response): Promise<ApiError> {
    const text = await response.text();
    let body: { error_code?: string; error_msg?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not a DCS body (a proxy's page): the status says what there is to say.
    }
    return new ApiError(
      response.status,
      body.error_code ?? `HTTP ${response.status}`,
      body.error_msg ?? response.statusText,
      response.headers.get('x-request-id'),
    );
  }

  static from(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    return new ApiError(0, 'NETWORK', (error as Error)?.message ?? String(error), null);
  }
}
