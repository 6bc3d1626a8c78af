import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import type { BlobStore, MetadataStore } from '../core/ports.ts';
import { reapJob } from './reap-job.ts';

export interface JobWorkerOptions {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  /** Runs one job to its end; must not throw. */
  run(job: Job, signal: AbortSignal): Promise<void>;
  /** Jobs this process runs at once. */
  concurrency: number;
  /** How long a claim lasts without renewal: a job whose worker died is reaped this long after. */
  leaseMs: number;
  /** How often to look for queued jobs and expired leases when nothing wakes the worker. */
  pollMs: number;
  onError?(error: unknown): void;
}

/**
 * Claims jobs from the metadata database and runs them, renewing each claim while it runs. It also reaps
 * jobs whose worker died (their lease ran out): their record ends failed (see reapJob).
 */
export class JobWorker {
  readonly owner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  readonly #options: JobWorkerOptions;
  readonly #running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #ticking: Promise<void> | null = null;
  /** A wake-up arrived while a tick was under way: that tick may have looked before the job was queued. */
  #wokenDuringTick = false;

  constructor(options: JobWorkerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), this.#options.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /** Looks for work now. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#wokenDuringTick = true;
      return;
    }
    this.#wokenDuringTick = false;
    this.#ticking = this.#tick()
      .catch((error) => this.#options.onError?.(error))
      .finally(() => {
        this.#ticking = null;
        if (this.#wokenDuringTick) this.wake();
      });
  }

  /** Stops claiming, and waits for the jobs in hand to end (aborting them if asked). */
  async stop({ abort = false } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (abort) for (const { abort: controller } of this.#running.values()) controller.abort();
    await this.#ticking;
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Resolves when no job is running or queued in this process's hands (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#ticking || this.#running.size > 0) {
      await this.#ticking;
      await Promise.all([...this.#running.values()].map((r) => r.done));
    }
  }

  async #tick(): Promise<void> {
    await this.#reap();
    const { store, clock, leaseMs, concurrency } = this.#options;
    while (!this.#stopped && this.#running.size < concurrency) {
      const job = await store.jobs.claim(this.owner, clock.now() + leaseMs);
      if (!job) return;
      this.#start(job);
    }
  }

  #start(job: Job): void {
    const { store, clock, leaseMs, run } = this.#options;
    const abort = new AbortController();
    const heartbeat = setInterval(
      () => {
        store.jobs.renew(job.id, this.owner, clock.now() + leaseMs).then(
          (kept) => {
            if (!kept) abort.abort();
          },
          (error) => this.#options.onError?.(error),
        );
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    const done = run(job, abort.signal)
      .catch((error) => this.#options.onError?.(error))
      .then(() => store.jobs.finish(job.id, clock.now()))
      .catch((error) => this.#options.onError?.(error))
      .finally(() => {
        clearInterval(heartbeat);
        this.#running.delete(job.id);
        this.wake();
      });
    this.#running.set(job.id, { done, abort });
  }

  async #reap(): Promise<void> {
    const { store, clock } = this.#options;
    for (const job of await store.jobs.reapExpired(clock.now())) await reapJob(this.#options, job);
  }
}
