import { createHash, createHmac } from 'node:crypto';

/**
 * SDK-HMAC-SHA256, the AK/SK request signature of the Huawei Cloud SDKs. The canonical request is rebuilt from
 * what travels on the wire: the raw path with each segment encoded once more, the query decoded and
 * re-encoded in sorted order, the signed headers as received, and the body's SHA-256.
 */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex');
/** How far X-Sdk-Date may be from the server's clock, either way: how long a signature stays valid. */
export const SDK_DATE_WINDOW_MS = 15 * 60 * 1000;

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

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${createHash('sha256').update(canonical).digest('hex')}`;
}

export function signature(secretKey: string, toSign: string): string {
  return createHmac('sha256', secretKey).update(toSign).digest('hex');
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
  const sdkDate = formatSdkDate(nowMs);
  const headers: Record<string, string | undefined> = { ...request.headers, 'x-sdk-date': sdkDate };
  const signedHeaders = Object.keys(headers)
    .filter((name) => headers[name] !== undefined)
    .sort();
  const canonical = canonicalRequest({ ...request, headers, signedHeaders });
  const sig = signature(secretKey, stringToSign(sdkDate, canonical));
  return {
    'x-sdk-date': sdkDate,
    authorization: `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`,
  };
}
