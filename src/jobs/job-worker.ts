import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import type { BlobStore, MetadataStore } from '../core/ports.ts';
import { JobCancelled } from './job-cancelled.ts';
import type { ServiceMetrics } from '../core/metrics.ts';
import { type JobEnding, type JobLogger, jobFields, logJobOutcome, readJobOutcome } from './job-log.ts';
import { reapJob } from './reap-job.ts';
import { settlesWithin } from './settles-within.ts';

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
  /** Where each job's start, end, reaping and cancellation are logged, with its ids. */
  logger?: JobLogger;
  /** Counts jobs started, ended (by record status and code), in flight, and taken over. */
  metrics?: ServiceMetrics;
  /** The name its claims carry (the node's id in the registry); a fresh one when absent. */
  owner?: string;
}

interface RunningJob {
  job: Job;
  done: Promise<void>;
  abort: AbortController;
  heartbeat: NodeJS.Timeout;
  /** Cancelled by shutdown: its ending is logged as a cancellation. */
  cancelled: boolean;
}

/**
 * Claims jobs from the metadata database and runs them, renewing each claim while it runs. It also reaps
 * jobs whose worker died (their lease ran out): their record ends failed (see reapJob).
 */
export class JobWorker {
  readonly owner: string;
  readonly #options: JobWorkerOptions;
  readonly #running = new Map<string, RunningJob>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #ticking: Promise<void> | null = null;
  /** A wake-up arrived while a tick was under way: that tick may have looked before the job was queued. */
  #wokenDuringTick = false;

  constructor(options: JobWorkerOptions) {
    this.#options = options;
    this.owner = options.owner ?? workerName();
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

  /**
   * Shutdown: stops claiming, lets the jobs in hand run for up to graceMs, then cancels them (their records end
   * failed, "cancelled: the service stopped") and waits up to cancelWaitMs more. A job that still has not
   * ended gets its record ended and its lease released from here, so no other process takes it for the job of
   * a dead worker. Resolves within graceMs + cancelWaitMs plus a few store writes.
   */
  async shutdown({ graceMs, cancelWaitMs }: { graceMs: number; cancelWaitMs: number }): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#ticking;
    if (await settlesWithin(this.#allDone(), graceMs)) return;
    const cancelled = new JobCancelled();
    for (const running of this.#running.values()) {
      running.cancelled = true;
      running.abort.abort(cancelled);
    }
    if (await settlesWithin(this.#allDone(), cancelWaitMs)) return;
    const { store, clock } = this.#options;
    for (const { job, heartbeat } of [...this.#running.values()]) {
      // The job is given up on: its claim is no longer renewed.
      clearInterval(heartbeat);
      try {
        await reapJob(this.#options, job, cancelled);
        await store.jobs.finish(job.id, clock.now());
        await this.#report(job, 'cancelled', null);
      } catch (error) {
        this.#options.onError?.(error);
      }
    }
  }

  #allDone(): Promise<unknown> {
    return Promise.all([...this.#running.values()].map((r) => r.done));
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
    const { store, blobs, clock, leaseMs, concurrency } = this.#options;
    while (!this.#stopped && this.#running.size < concurrency) {
      // Only jobs this process's store can serve: a restore of a file on another node's disk waits for it.
      const job = await store.jobs.claim(this.owner, clock.now() + leaseMs, blobs.id);
      if (!job) return;
      this.#start(job);
    }
  }

  #start(job: Job): void {
    const { store, clock, leaseMs, run, logger, metrics } = this.#options;
    logger?.info(jobFields(job), `${job.kind} started`);
    metrics?.jobStarted(job.kind);
    const startedAt = clock.now();
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
    const entry: RunningJob = { job, done: Promise.resolve(), abort, heartbeat, cancelled: false };
    entry.done = run(job, abort.signal)
      .catch((error) => this.#options.onError?.(error))
      .then(() => store.jobs.finish(job.id, clock.now()))
      .then(() => this.#report(job, entry.cancelled ? 'cancelled' : 'ended', startedAt))
      .catch((error) => this.#options.onError?.(error))
      .finally(() => {
        clearInterval(heartbeat);
        metrics?.jobLeft(job.kind);
        this.#running.delete(job.id);
        this.wake();
      });
    this.#running.set(job.id, entry);
  }

  async #reap(): Promise<void> {
    const { store, clock } = this.#options;
    for (const job of await store.jobs.reapExpired(clock.now())) {
      await reapJob(this.#options, job);
      this.#options.metrics?.leaseTakenOver(job.kind);
      await this.#report(job, 'reaped', null);
    }
  }

  /** Logs and counts how the job's record ended, as clients see it. startedAt: when it began here, if it did. */
  async #report(job: Job, ending: JobEnding, startedAt: number | null): Promise<void> {
    const { store, clock, logger, metrics } = this.#options;
    if (!logger && !metrics) return;
    const outcome = await readJobOutcome(store, job);
    if (logger) logJobOutcome(logger, job, ending, outcome);
    metrics?.jobEnded({
      kind: job.kind,
      status: outcome.status,
      errorCode: outcome.errorCode,
      bytes: outcome.bytes,
      seconds: startedAt === null ? null : Math.max(0, clock.now() - startedAt) / 1000,
    });
  }
}

/** A name unique to this process: host, pid and a random part (a pid may come back after a restart). */
export function workerName(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}
