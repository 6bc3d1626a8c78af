import { createHmac, timingSafeEqual } from 'node:crypto';

/** Verified tokens remembered at most (~200 bytes each). */
const VERIFIED_TOKENS_KEPT = 10_000;

const TOKEN = /^dcs1\.([A-Za-z0-9]{1,64})\.(\d{1,12})\.([0-9a-f]{64})$/;

/**
 * X-Auth-Token values for curl users: "dcs1.<AK>.<expiry seconds>.<HMAC>". Stateless, but each use still
 * looks the credential up, so revoking the AK also kills its tokens.
 */
export class TokenIssuer {
  readonly #key: Buffer;
  // Tokens already verified, by their whole text: a client sends the same token on every request, and its
  // HMAC is most of what authenticating it costs. Only a token that verified is kept, keyed by every byte of
  // it, so a forged or altered one still goes through the HMAC and fails; expiry and the credential's
  // revocation are checked by the caller on every use, as before.
  readonly #verified = new Map<string, { accessKey: string; expiresAtMs: number }>();

  constructor(key: Buffer) {
    this.#key = key;
  }

  issue(accessKey: string, expiresAtMs: number): string {
    const expires = Math.floor(expiresAtMs / 1000);
    return `dcs1.${accessKey}.${expires}.${this.#mac(accessKey, expires)}`;
  }

  /** The token's AK and expiry, or undefined when it is not one this service issued. */
  read(token: string): { accessKey: string; expiresAtMs: number } | undefined {
    const known = this.#verified.get(token);
    if (known !== undefined) return { ...known };
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.#mac(m[1]!, Number(m[2])), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(m[3]!, 'hex'))) return undefined;
    const read = { accessKey: m[1]!, expiresAtMs: Number(m[2]) * 1000 };
    // Bounded: past the limit it starts again empty (the next uses pay one HMAC each).
    if (this.#verified.size >= VERIFIED_TOKENS_KEPT) this.#verified.clear();
    this.#verified.set(token, read);
    return { ...read };
  }

  #mac(accessKey: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${accessKey}\n${expires}`).digest('hex');
  }
}

/** The AK a token names, unverified: for counting failed attempts per AK, never for trusting it. */
export function tokenAccessKey(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}
