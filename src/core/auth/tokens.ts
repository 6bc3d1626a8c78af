import { createHmac, timingSafeEqual } from 'node:crypto';

const TOKEN = /^dcs1\.([A-Za-z0-9]{1,64})\.(\d{1,12})\.([0-9a-f]{64})$/;

/**
 * X-Auth-Token values for curl users: "dcs1.<AK>.<expiry seconds>.<HMAC>". Stateless, but each use still
 * looks the credential up, so revoking the AK also kills its tokens.
 */
export class TokenIssuer {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  issue(accessKey: string, expiresAtMs: number): string {
    const expires = Math.floor(expiresAtMs / 1000);
    return `dcs1.${accessKey}.${expires}.${this.#mac(accessKey, expires)}`;
  }

  /** The token's AK and expiry, or undefined when it is not one this service issued. */
  read(token: string): { accessKey: string; expiresAtMs: number } | undefined {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.#mac(m[1]!, Number(m[2])), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(m[3]!, 'hex'))) return undefined;
    return { accessKey: m[1]!, expiresAtMs: Number(m[2]) * 1000 };
  }

  #mac(accessKey: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${accessKey}\n${expires}`).digest('hex');
  }
}

/** The AK a token names, unverified: for counting failed attempts per AK, never for trusting it. */
export function tokenAccessKey(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}
