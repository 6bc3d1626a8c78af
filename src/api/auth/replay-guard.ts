import { SDK_DATE_WINDOW_MS } from '../../core/auth/sdk-signature.ts';
import type { Clock } from '../../core/clock.ts';
import { DomainError } from '../../core/errors.ts';
import type { SeenSignatureRepository } from '../../core/ports.ts';
import type { Caller } from './authenticator.ts';

/** Methods whose exact replay would do the work twice. GET and HEAD may be repeated at will. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Nodes sharing a database may disagree on the time a little: keep each record a minute longer. */
const CLOCK_MARGIN_MS = 60_000;
const PURGE_EVERY_MS = 60_000;

/**
 * Refuses the exact replay of a signed, state-changing request: the signature scheme has no nonce, so a
 * request captured (or retried by an SDK after a timeout) would otherwise run again for as long as its
 * X-Sdk-Date passes. Only signatures that verified reach here, so nobody can fill the table with junk.
 * Records are purged now and then on the way in, cheaply, through the expiry index.
 */
export class ReplayGuard {
  readonly #seen: SeenSignatureRepository;
  readonly #clock: Clock;
  #lastPurge = Number.NEGATIVE_INFINITY;

  constructor(deps: { seen: SeenSignatureRepository; clock: Clock }) {
    this.#seen = deps.seen;
    this.#clock = deps.clock;
  }

  async admit(method: string, caller: Caller): Promise<void> {
    if (caller.proof === undefined || !STATE_CHANGING.has(method.toUpperCase())) return;
    const now = this.#clock.now();
    if (now - this.#lastPurge >= PURGE_EVERY_MS || now < this.#lastPurge) {
      this.#lastPurge = now;
      await this.#seen.purgeExpired(now);
    }
    const { signature, signedAt } = caller.proof;
    const expiresAt = signedAt + SDK_DATE_WINDOW_MS + CLOCK_MARGIN_MS;
    if (!(await this.#seen.remember(signature, caller.accessKey, expiresAt))) {
      throw new DomainError(
        'request_replayed',
        'This signed request was already received; sign it again (a new X-Sdk-Date) to repeat it.',
      );
    }
  }
}
