import { createHash } from 'node:crypto';

/** What the SDKs put in X-Sdk-Content-Sha256 when they do not hash the body (non-JSON content types). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The payload hash to rebuild the canonical request with, or undefined when the request must be refused.
 *
 * The hash is always that of the bytes received. An X-Sdk-Content-Sha256 header that is not signed is ignored
 * (anyone on the path may add one). A signed one is honoured only when it equals that hash (in any letter
 * case), or when it is UNSIGNED-PAYLOAD and the request carries no body at all: a body that no signature
 * covers is never accepted.
 */
export function payloadHashToVerify(
  body: Uint8Array | undefined,
  claimed: { value: string; signed: boolean } | undefined,
): string | undefined {
  const received = sha256Hex(body ?? '');
  if (claimed === undefined || !claimed.signed) return received;
  if (claimed.value.toLowerCase() === received) return claimed.value;
  if (claimed.value === UNSIGNED_PAYLOAD && (body === undefined || body.length === 0)) return claimed.value;
  return undefined;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The payload hash of a body the service streams to storage instead of reading before authentication (an
 * upload): the signed X-Sdk-Content-Sha256 stands for the bytes to come, and the receiver must compare it with
 * the bytes it actually stored. Undefined when the request cannot be accepted: a signed request must sign that
 * header with a real hash (never UNSIGNED-PAYLOAD), or nothing would cover the body.
 */
export function streamedPayloadHash(
  claimed: { value: string; signed: boolean } | undefined,
): string | undefined {
  if (claimed === undefined || !claimed.signed || !SHA256_HEX.test(claimed.value)) return undefined;
  return claimed.value;
}
