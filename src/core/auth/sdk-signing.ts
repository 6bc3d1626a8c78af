/**
 * SDK-HMAC-SHA256 without a crypto library: the canonical request, the string to sign and the Authorization
 * header, with the two digests (SHA-256, HMAC-SHA-256) handed in. The server and the CLI use it with
 * node:crypto (sdk-signature.ts), the web console with the browser's WebCrypto, so every signer in the
 * project builds the same bytes from the same code. It imports nothing, so a browser bundle can take it.
 */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ becomes %XX (upper case), UTF-8 for the rest. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The raw (still percent-encoded) path, each segment encoded again, always ending in "/". */
export function canonicalUri(rawPath: string): string {
  const encoded = rawPath.split('/').map(encodeRfc3986).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** The raw query string, decoded as a form (so "+" is a space, as the SDK's HTTP client sends it), sorted. */
export function canonicalQuery(rawQuery: string): string {
  const pairs = [...new URLSearchParams(rawQuery)].map(([key, value]) => [
    encodeRfc3986(key),
    encodeRfc3986(value),
  ]);
  pairs.sort(([ka, va], [kb, vb]) => (ka! < kb! ? -1 : ka! > kb! ? 1 : va! < vb! ? -1 : va! > vb! ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

export interface SignableRequest {
  method: string;
  /** The path as sent, percent-encoded, without the query. */
  rawPath: string;
  /** The query as sent, without "?". */
  rawQuery: string;
  /** Lower-case header names to the values sent. */
  headers: Record<string, string | undefined>;
  /** Lower-case names of the signed headers, sorted. */
  signedHeaders: string[];
  payloadSha256: string;
}

export function canonicalRequest(request: SignableRequest): string {
  const headerLines = request.signedHeaders
    .map((name) => `${name}:${request.headers[name] ?? ''}\n`)
    .join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery),
    headerLines,
    request.signedHeaders.join(';'),
    request.payloadSha256,
  ].join('\n');
}

/** The string an HMAC is taken of, given the hex SHA-256 of the canonical request. */
export function stringToSignOf(sdkDate: string, canonicalSha256: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${canonicalSha256}`;
}

/** X-Sdk-Date: yyyyMMddTHHmmssZ (UTC). */
export function formatSdkDate(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function parseSdkDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

/** What to sign for a request about to be sent: every header given, plus X-Sdk-Date, all of them signed. */
export interface SignaturePlan {
  sdkDate: string;
  signedHeaders: string[];
  canonical: string;
}

export function planSignature(request: Omit<SignableRequest, 'signedHeaders'>, nowMs: number): SignaturePlan {
  const sdkDate = formatSdkDate(nowMs);
  const headers: Record<string, string | undefined> = { ...request.headers, 'x-sdk-date': sdkDate };
  const signedHeaders = Object.keys(headers)
    .filter((name) => headers[name] !== undefined)
    .sort();
  return { sdkDate, signedHeaders, canonical: canonicalRequest({ ...request, headers, signedHeaders }) };
}

/** The headers to add to the signed request. */
export function signedRequestHeaders(
  plan: SignaturePlan,
  accessKey: string,
  signatureHex: string,
): Record<string, string> {
  return {
    'x-sdk-date': plan.sdkDate,
    authorization: `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${plan.signedHeaders.join(';')}, Signature=${signatureHex}`,
  };
}

/** Digests of UTF-8 text, lower-case hex, as any crypto implementation can give them (possibly async). */
export interface SigningDigests {
  sha256Hex(text: string): Promise<string>;
  hmacSha256Hex(key: string, text: string): Promise<string>;
}

/** Signs a request as the SDK does, with digests that may be asynchronous (WebCrypto). */
export async function signRequestWith(
  digests: SigningDigests,
  request: Omit<SignableRequest, 'signedHeaders'>,
  accessKey: string,
  secretKey: string,
  nowMs: number,
): Promise<Record<string, string>> {
  const plan = planSignature(request, nowMs);
  const toSign = stringToSignOf(plan.sdkDate, await digests.sha256Hex(plan.canonical));
  return signedRequestHeaders(plan, accessKey, await digests.hmacSha256Hex(secretKey, toSign));
}
