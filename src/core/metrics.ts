import type { JobKind } from './job.ts';

/** How a job's record ended, as the metrics count it. */
export interface JobEnded {
  kind: JobKind;
  /** The record's status once the job let go of it (succeed, failed; `gone` when the record was deleted). */
  status: string;
  /** The record's error code (dcs.08.xxxx), null on success. */
  errorCode: string | null;
  /** Bytes written into storage (a backup) or read back from it (a restore); 0 when none. */
  bytes: number;
  /** From the moment this process started the job to its end; null when it did not run here (reaped). */
  seconds: number | null;
}

export type SchedulerOutcome = 'started' | 'busy' | 'missed';

export type CleanupAction = 'removed_file' | 'removed_partial' | 'missing_file' | 'adopted_file' | 'expired';

/**
 * What the service counts for its operators, as a port: jobs, the scheduler, clean-up and blob store calls
 * report here, and the composition root decides how it is exposed (Prometheus). Implementations are cheap
 * and never throw: counting must not change what a job does.
 */
export interface ServiceMetrics {
  jobStarted(kind: JobKind): void;
  /** The job is no longer running in this process (whatever its outcome): the in-flight count drops. */
  jobLeft(kind: JobKind): void;
  jobEnded(ended: JobEnded): void;
  /** A job whose process stopped renewing its lease was taken over (its record failed) by this process. */
  leaseTakenOver(kind: JobKind): void;
  /**
   * Backup windows were dealt with (count, 1 by default); lagSeconds: how long after the window's start that
   * happened, null when not worth a sample (windows counted in bulk after a long outage).
   */
  schedulerWindow(outcome: SchedulerOutcome, lagSeconds: number | null, count?: number): void;
  /** A scheduler pass completed at this time (epoch ms). */
  schedulerTicked(atMs: number): void;
  cleanupActions(action: CleanupAction, count: number): void;
  /** One call to the blob store: its operation name, how long it took, and whether it failed. */
  blobCall(operation: string, seconds: number, failed: boolean): void;
}

/** Counts nothing: for tests and tools that run jobs without exposing metrics. */
export const NO_METRICS: ServiceMetrics = {
  jobStarted: () => {},
  jobLeft: () => {},
  jobEnded: () => {},
  leaseTakenOver: () => {},
  schedulerWindow: () => {},
  schedulerTicked: () => {},
  cleanupActions: () => {},
  blobCall: () => {},
};
