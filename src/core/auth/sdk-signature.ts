import { createHash, createHmac } from 'node:crypto';
import { planSignature, type SignableRequest, signedRequestHeaders, stringToSignOf } from './sdk-signing.ts';

/**
 * SDK-HMAC-SHA256, the AK/SK request signature of the Huawei Cloud SDKs, with node:crypto. The canonical request is
 * rebuilt from what travels on the wire: the raw path with each segment encoded once more, the query decoded
 * and re-encoded in sorted order, the signed headers as received, and the body's SHA-256. The algorithm itself
 * lives in sdk-signing.ts, shared with the web console's WebCrypto signer.
 */
export {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  encodeRfc3986,
  formatSdkDate,
  parseSdkDate,
  SIGNING_ALGORITHM,
  type SignableRequest,
} from './sdk-signing.ts';

export const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex');
/** How far X-Sdk-Date may be from the server's clock, either way: how long a signature stays valid. */
export const SDK_DATE_WINDOW_MS = 15 * 60 * 1000;

export function stringToSign(sdkDate: string, canonical: string): string {
  return stringToSignOf(sdkDate, createHash('sha256').update(canonical).digest('hex'));
}

export function signature(secretKey: string, toSign: string): string {
  return createHmac('sha256', secretKey).update(toSign).digest('hex');
}

const AUTHORIZATION =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const m = AUTHORIZATION.exec(header.trim());
  if (!m) return undefined;
  return { accessKey: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! };
}

/** Signs a request as the SDK does; used by this project's CLI. Returns the headers to add. */
export function signRequest(
  request: Omit<SignableRequest, 'signedHeaders'>,
  accessKey: string,
  secretKey: string,
  nowMs: number,
): Record<string, string> {
  const plan = planSignature(request, nowMs);
  return signedRequestHeaders(
    plan,
    accessKey,
    signature(secretKey, stringToSign(plan.sdkDate, plan.canonical)),
  );
}
