import { setTimeout as sleep } from 'node:timers/promises';

const WINDOW_MS = 60_000;
const MAX_DELAY_MS = 5_000;
/** Attempts evaluated at once per address, and per AK: small, since each answer takes milliseconds. */
export const IN_FLIGHT_PER_ADDRESS = 8;
export const IN_FLIGHT_PER_ACCESS_KEY = 4;
/** Failures in a minute answered without delay. */
export const FREE_FAILURES = 5;
/** Attempts that may queue for a slot behind those; beyond, they are refused like a storm. */
const MAX_QUEUED = 256;

/** Whom an attempt is counted against: where it comes from, and the AK it claims (unverified). */
export interface AttemptKeys {
  address: string;
  accessKey: string | null;
}

export interface FailureLimiterOptions {
  /** 0 turns the slowing off (tests that fail on purpose, many times, from one address). */
  maxDelayMs?: number;
  inFlightPerAddress?: number;
  inFlightPerAccessKey?: number;
  /** How a failed answer waits; tests hold it to see what is in flight. */
  wait?: (ms: number) => Promise<unknown>;
}

/** Concurrency of one address or one AK: slots in use, of which `held` by failures waiting out a delay. */
interface Gate {
  bound: number;
  running: number;
  held: number;
  /** Callbacks of attempts queued for a slot: true hands them one, false refuses them. */
  queued: ((granted: boolean) => void)[];
}

/**
 * Makes guessing credentials slow, and keeps it slow under parallel attempts.
 *
 * Slowing: after a few failures in a minute from an address (or for an AK), each further failed answer
 * waits longer, doubling up to five seconds.
 *
 * Bounding: each address and each claimed AK has a few slots; an attempt takes one before its credentials
 * are evaluated and gives it back when answered. A failure keeps its slot while it waits. While any of a
 * key's slots is held by a waiting failure and none is free, a further attempt is refused at once, without
 * its credentials being evaluated: its answer cannot tell a good guess from a bad one, so parallel requests
 * buy an attacker nothing. When no failure is waiting, an attempt finding every slot taken queues for one
 * instead (evaluating takes milliseconds), so honest bursts are never refused.
 */
export class FailureLimiter {
  readonly #failures = new Map<string, { count: number; since: number }>();
  readonly #gates = new Map<string, Gate>();
  readonly #maxDelayMs: number;
  readonly #perAddress: number;
  readonly #perAccessKey: number;
  readonly #wait: (ms: number) => Promise<unknown>;

  constructor(options: FailureLimiterOptions = {}) {
    this.#maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
    this.#perAddress = options.inFlightPerAddress ?? IN_FLIGHT_PER_ADDRESS;
    this.#perAccessKey = options.inFlightPerAccessKey ?? IN_FLIGHT_PER_ACCESS_KEY;
    this.#wait = options.wait ?? sleep;
  }

  /** The longest a failed answer waits: how long a storm outlasts its last attempt at most. */
  get maxDelayMs(): number {
    return this.#maxDelayMs;
  }

  /**
   * Takes a slot for an attempt about to be evaluated, or returns undefined when it must be refused at once.
   * The attempt must end with succeeded() or failed().
   */
  async enter(keys: AttemptKeys): Promise<Attempt | undefined> {
    const names = [`address ${keys.address}`];
    if (keys.accessKey !== null) names.push(`ak ${keys.accessKey}`);
    const taken: string[] = [];
    for (const name of names) {
      if (!(await this.#take(name))) {
        for (const held of taken) this.#release(held);
        return undefined;
      }
      taken.push(name);
    }
    return this.#attempt(taken);
  }

  /** Counts a failure against each key and returns how long its answer should wait: the longest of theirs. */
  #record(names: readonly string[], now: number): number {
    let delay = 0;
    for (const name of names) {
      let entry = this.#failures.get(name);
      if (!entry || now - entry.since > WINDOW_MS || now < entry.since) {
        entry = { count: 0, since: now };
        if (this.#failures.size > 10_000) this.#failures.clear();
        this.#failures.set(name, entry);
      }
      entry.count += 1;
      const excess = entry.count - FREE_FAILURES;
      if (excess > 0) delay = Math.max(delay, Math.min(this.#maxDelayMs, 100 * 2 ** (excess - 1)));
    }
    return delay;
  }

  #attempt(names: readonly string[]): Attempt {
    let ended = false;
    const end = () => {
      const first = !ended;
      ended = true;
      return first;
    };
    const release = () => {
      for (const name of names) this.#release(name);
    };
    return {
      succeeded: () => {
        if (end()) release();
      },
      failed: async (now) => {
        if (!end()) return;
        try {
          const delay = this.#record(names, now);
          if (delay > 0) await this.#hold(names, delay);
        } finally {
          release();
        }
      },
    };
  }

  /** Keeps the attempt's slots while its failed answer waits. */
  async #hold(names: readonly string[], delay: number): Promise<void> {
    const gates = names.map((name) => this.#gates.get(name)!);
    for (const gate of gates) {
      gate.held += 1;
      // A storm has begun: whoever queued behind it is refused now rather than evaluated later.
      for (const refuse of gate.queued.splice(0)) refuse(false);
    }
    try {
      await this.#wait(delay);
    } finally {
      for (const gate of gates) gate.held -= 1;
    }
  }

  #take(name: string): boolean | Promise<boolean> {
    let gate = this.#gates.get(name);
    if (!gate) {
      gate = {
        bound: name.startsWith('ak ') ? this.#perAccessKey : this.#perAddress,
        running: 0,
        held: 0,
        queued: [],
      };
      this.#gates.set(name, gate);
    }
    if (gate.running < gate.bound) {
      gate.running += 1;
      return true;
    }
    if (gate.held > 0 || gate.queued.length >= MAX_QUEUED) return false;
    const queue = gate.queued;
    return new Promise((resolve) => queue.push(resolve));
  }

  #release(name: string): void {
    const gate = this.#gates.get(name)!;
    const next = gate.held > 0 ? undefined : gate.queued.shift();
    // The slot passes straight to the next in line, so a newcomer cannot jump the queue.
    if (next) return next(true);
    gate.running -= 1;
    if (gate.running === 0 && gate.queued.length === 0) this.#gates.delete(name);
  }
}

/** One attempt holding its slots; it ends once, by the first of these calls. */
export interface Attempt {
  succeeded(): void;
  /** Counts the failure, waits out its delay keeping the slots, then gives them back. */
  failed(now: number): Promise<void>;
}
