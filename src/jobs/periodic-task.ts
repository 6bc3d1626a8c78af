/**
 * Runs an async task every `intervalMs`, never two at once: a run that outlasts the interval delays the next
 * instead of piling up. Errors go to onError; the task keeps its schedule.
 */
export class PeriodicTask {
  readonly #run: () => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #current: Promise<void> | null = null;

  constructor(run: () => Promise<unknown>, intervalMs: number, onError: (error: unknown) => void) {
    this.#run = run;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  start(): void {
    this.#timer = setInterval(() => void this.runNow(), this.#intervalMs);
    this.#timer.unref();
    void this.runNow();
  }

  /** Runs the task now unless it is already running; resolves when that run ends. */
  runNow(): Promise<void> {
    this.#current ??= this.#run()
      .then(
        () => undefined,
        (error) => this.#onError(error),
      )
      .finally(() => {
        this.#current = null;
      });
    return this.#current;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#current;
  }
}
