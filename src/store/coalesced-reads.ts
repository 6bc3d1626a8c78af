/**
 * Coalesces concurrent point reads by key into one query over many keys. On PostgreSQL every query is a round
 * trip and most of a cached listing's CPU is the driver's work per query; under load, many requests ask for
 * versions at once and one `id = any($1)` read answers them all.
 *
 * A read joins the batch that starts next, never one already running: every batch's query starts after each of
 * its reads was asked, so it sees every write committed before any of them was asked, as a read of its own would.
 */
export class CoalescedReads<T> {
  readonly #readMany: (keys: string[]) => Promise<Map<string, T>>;
  readonly #maxKeys: number;
  readonly #gatherTurn: boolean;
  #waiting = new Map<string, Waiter<T>[]>();
  #running = false;

  /**
   * `gather: 'turn'` starts a batch only once this turn of the event loop has run, so every read asked while
   * the turn handles its sockets joins it: for a database that answers in the calling thread (SQLite), where
   * no batch would otherwise be running while others are asked, and a statement's fixed cost is most of a
   * point read's.
   */
  constructor(
    readMany: (keys: string[]) => Promise<Map<string, T>>,
    options: { maxKeys?: number; gather?: 'now' | 'turn' } = {},
  ) {
    this.#readMany = readMany;
    this.#maxKeys = options.maxKeys ?? 500;
    this.#gatherTurn = options.gather === 'turn';
  }

  read(key: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
      if (this.#running) return;
      if (this.#gatherTurn) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      } else {
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.size > 0) {
        const batch = this.#takeBatch();
        try {
          const found = await this.#readMany([...batch.keys()]);
          for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
        } catch (error) {
          for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The oldest waiting keys, at most maxKeys of them; the rest wait for the batch after. */
  #takeBatch(): Map<string, Waiter<T>[]> {
    if (this.#waiting.size <= this.#maxKeys) {
      const all = this.#waiting;
      this.#waiting = new Map();
      return all;
    }
    const batch = new Map<string, Waiter<T>[]>();
    for (const [key, waiters] of this.#waiting) {
      if (batch.size === this.#maxKeys) break;
      batch.set(key, waiters);
      this.#waiting.delete(key);
    }
    return batch;
  }
}

interface Waiter<T> {
  resolve(value: T | undefined): void;
  reject(error: unknown): void;
}
