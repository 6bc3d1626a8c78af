import { timingSafeEqual } from 'node:crypto';
import type { Credential, Role } from '../../core/auth/credential.ts';
import { payloadHashToVerify, streamedPayloadHash } from '../../core/auth/payload-hash.ts';
import {
  SDK_DATE_WINDOW_MS,
  canonicalRequest,
  parseAuthorization,
  parseSdkDate,
  signature,
  stringToSign,
} from '../../core/auth/sdk-signature.ts';
import { tokenAccessKey, type TokenIssuer } from '../../core/auth/tokens.ts';
import type { Clock } from '../../core/clock.ts';
import { DomainError } from '../../core/errors.ts';
import type { CredentialRepository } from '../../core/ports.ts';

/** Who is calling, once the request's signature or token checked out. */
export interface Caller {
  accessKey: string;
  role: Role;
  /** null for admins. */
  projectId: string | null;
  /** How the request proved who it is; only signed callers may mint tokens. */
  via: 'signature' | 'token';
  /** For signed requests: the verified signature and its X-Sdk-Date, which the replay guard remembers. */
  proof?: { signature: string; signedAt: number };
  /**
   * For a signed request whose body is streamed (not read before authentication): the SHA-256 (lower-case hex)
   * the signature covers, which the handler must compare with the bytes it received before keeping any.
   */
  bodySha256?: string;
}

export interface IncomingSigned {
  method: string;
  /** The request target as received: raw path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body's bytes exactly as received, or undefined when none was read (GET, HEAD, no body). */
  rawBody: Uint8Array | undefined;
  /** The body is streamed to its handler after authentication: the signed hash stands for it (see Caller). */
  streamedBody?: boolean;
}

const CACHE_MS = 2_000;

/** The same answer whatever was wrong: a caller learns nothing about which part failed. */
const invalid = () => new DomainError('auth_invalid', 'Invalid token.');

/** Thrown for a failed check, with the reason kept for the log (never sent to the caller). */
export class AuthFailure extends Error {
  readonly error: DomainError;
  readonly accessKey: string | null;
  constructor(error: DomainError, reason: string, accessKey: string | null) {
    super(reason);
    this.error = error;
    this.accessKey = accessKey;
  }
}

/**
 * Verifies SDK-HMAC-SHA256 signatures exactly as the official SDKs compute them, and this service's tokens.
 * Credentials are cached for two seconds: a revocation in this process takes effect at once, in another
 * process sharing the database within that time.
 */
export class Authenticator {
  readonly #credentials: CredentialRepository;
  readonly #tokens: TokenIssuer;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { credential: Credential | undefined; at: number }>();

  constructor(deps: { credentials: CredentialRepository; tokens: TokenIssuer; clock: Clock }) {
    this.#credentials = deps.credentials;
    this.#tokens = deps.tokens;
    this.#clock = deps.clock;
  }

  forget(accessKey: string): void {
    this.#cache.delete(accessKey);
  }

  async authenticate(request: IncomingSigned): Promise<Caller> {
    const authorization = header(request, 'authorization');
    const token = header(request, 'x-auth-token');
    if (authorization !== undefined) return this.#bySignature(request, authorization);
    if (token !== undefined) return this.#byToken(token);
    throw new AuthFailure(
      new DomainError('auth_missing', 'No token in the request.'),
      'no credentials',
      null,
    );
  }

  async #byToken(token: string): Promise<Caller> {
    const read = this.#tokens.read(token);
    if (!read) throw new AuthFailure(invalid(), 'malformed or forged token', null);
    const credential = await this.#active(read.accessKey);
    if (!credential) throw new AuthFailure(invalid(), 'token of an unknown or revoked AK', read.accessKey);
    if (read.expiresAtMs <= this.#clock.now()) {
      throw new AuthFailure(
        new DomainError('token_expired', 'Token expired.'),
        'token expired',
        read.accessKey,
      );
    }
    return callerOf(credential, 'token');
  }

  async #bySignature(request: IncomingSigned, authorization: string): Promise<Caller> {
    const parsed = parseAuthorization(authorization);
    if (!parsed) throw new AuthFailure(invalid(), 'malformed Authorization header', null);
    const { accessKey } = parsed;
    const sdkDate = header(request, 'x-sdk-date');
    if (!parsed.signedHeaders.includes('x-sdk-date') || sdkDate === undefined) {
      throw new AuthFailure(invalid(), 'X-Sdk-Date missing or not signed', accessKey);
    }
    const signedAt = parseSdkDate(sdkDate);
    if (signedAt === undefined || Math.abs(signedAt - this.#clock.now()) > SDK_DATE_WINDOW_MS) {
      throw new AuthFailure(invalid(), 'X-Sdk-Date more than 15 minutes from the server clock', accessKey);
    }
    const credential = await this.#active(accessKey);
    if (!credential) throw new AuthFailure(invalid(), 'unknown or revoked AK', accessKey);

    const claimedHash = header(request, 'x-sdk-content-sha256');
    const claimed =
      claimedHash === undefined
        ? undefined
        : { value: claimedHash, signed: parsed.signedHeaders.includes('x-sdk-content-sha256') };
    const payloadSha256 = request.streamedBody
      ? streamedPayloadHash(claimed)
      : payloadHashToVerify(request.rawBody, claimed);
    if (payloadSha256 === undefined) {
      throw new AuthFailure(
        invalid(),
        request.streamedBody
          ? 'a streamed body needs a signed X-Sdk-Content-Sha256 holding its SHA-256'
          : 'X-Sdk-Content-Sha256 does not match the body received',
        accessKey,
      );
    }

    const queryAt = request.url.indexOf('?');
    const headers: Record<string, string | undefined> = {};
    for (const name of parsed.signedHeaders) headers[name] = header(request, name);
    let expected: string;
    try {
      const canonical = canonicalRequest({
        method: request.method,
        rawPath: queryAt < 0 ? request.url : request.url.slice(0, queryAt),
        rawQuery: queryAt < 0 ? '' : request.url.slice(queryAt + 1),
        headers,
        signedHeaders: parsed.signedHeaders,
        payloadSha256,
      });
      expected = signature(credential.secretKey, stringToSign(sdkDate, canonical));
    } catch {
      throw new AuthFailure(invalid(), 'request cannot be canonicalised', accessKey);
    }
    if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(parsed.signature, 'hex'))) {
      throw new AuthFailure(invalid(), 'signature mismatch', accessKey);
    }
    return {
      ...callerOf(credential, 'signature'),
      proof: { signature: parsed.signature, signedAt },
      ...(request.streamedBody ? { bodySha256: payloadSha256.toLowerCase() } : {}),
    };
  }

  async #active(accessKey: string): Promise<Credential | undefined> {
    const now = this.#clock.now();
    let entry = this.#cache.get(accessKey);
    if (!entry || now - entry.at > CACHE_MS || now < entry.at) {
      entry = { credential: await this.#credentials.find(accessKey), at: now };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(accessKey, entry);
    }
    const credential = entry.credential;
    return credential && credential.revokedAt === null ? credential : undefined;
  }
}

function callerOf(credential: Credential, via: Caller['via']): Caller {
  return { accessKey: credential.accessKey, role: credential.role, projectId: credential.projectId, via };
}

/**
 * The AK a request claims, before anything is verified: what the failure limiter counts attempts against.
 * Never a proof of anything.
 */
export function claimedAccessKey(headers: IncomingSigned['headers']): string | null {
  const request = { headers } as IncomingSigned;
  const authorization = header(request, 'authorization');
  if (authorization !== undefined) return parseAuthorization(authorization)?.accessKey ?? null;
  const token = header(request, 'x-auth-token');
  return token === undefined ? null : (tokenAccessKey(token) ?? null);
}

function header(request: IncomingSigned, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
