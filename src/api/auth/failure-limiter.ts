import { setTimeout as sleep } from 'node:timers/promises';

const WINDOW_MS = 60_000;
const FREE_FAILURES = 5;
const MAX_DELAY_MS = 5_000;

/**
 * Slows down an address that keeps failing authentication: after a few failures in a minute, each further
 * failed answer waits longer (doubling up to five seconds), which makes guessing expensive.
 */
export class FailureLimiter {
  readonly #failures = new Map<string, { count: number; since: number }>();
  readonly #maxDelayMs: number;

  /** maxDelayMs 0 turns the slowing off (tests that fail on purpose, many times, from one address). */
  constructor(options: { maxDelayMs?: number } = {}) {
    this.#maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
  }

  /** Records a failure and returns how long its answer should wait. */
  record(address: string, now: number): number {
    let entry = this.#failures.get(address);
    if (!entry || now - entry.since > WINDOW_MS) {
      entry = { count: 0, since: now };
      if (this.#failures.size > 10_000) this.#failures.clear();
      this.#failures.set(address, entry);
    }
    entry.count += 1;
    const excess = entry.count - FREE_FAILURES;
    return excess <= 0 ? 0 : Math.min(this.#maxDelayMs, 100 * 2 ** (excess - 1));
  }

  async penalise(address: string, now: number): Promise<void> {
    const delay = this.record(address, now);
    if (delay > 0) await sleep(delay);
  }
}
