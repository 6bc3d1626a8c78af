import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors.ts';

export const MIN_LINK_SECONDS = 300;
export const MAX_LINK_SECONDS = 86_400;

/**
 * Download links carry their own expiring signature (HMAC-SHA256 over the backup, the file name and the
 * expiry), so whoever holds a link can download without other credentials until it expires.
 */
export class LinkSigner {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('the link signing key must be at least 32 bytes');
    this.#key = key;
  }

  sign(backupId: string, fileName: string, expiresAtSeconds: number): string {
    return createHmac('sha256', this.#key)
      .update(`${backupId}\n${fileName}\n${expiresAtSeconds}`)
      .digest('hex');
  }

  /** Throws link_invalid or link_expired; comparison in constant time. */
  verify(backupId: string, fileName: string, expires: string, signature: string, nowMs: number): void {
    if (!/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) {
      throw new DomainError('link_invalid', 'The download link is not valid.');
    }
    const expected = Buffer.from(this.sign(backupId, fileName, Number(expires)), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      throw new DomainError('link_invalid', 'The download link is not valid.');
    }
    if (Number(expires) * 1000 <= nowMs)
      throw new DomainError('link_expired', 'The download link has expired.');
  }
}
