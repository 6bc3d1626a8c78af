import type { ApiError } from '../api/api-error.ts';

/** Every refusal shows the DCS error code, the message and the request id. */
export function ErrorBox({ error, id }: { error: ApiError | undefined; id?: string }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" id={id} data-error-code={error.code}>
      <strong class="error-code">{error.code}</strong> {error.message}
      {error.requestId && <span class="request-id"> (request {error.requestId})</span>}
    </p>
  );
}
