import type { Job } from '../core/job.ts';
import type { MetadataStore } from '../core/ports.ts';

/** The part of a pino logger the job worker writes to. */
export interface JobLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** How a job left this process's hands. */
export type JobEnding = 'ended' | 'reaped' | 'cancelled';

/** The ids every job line carries: the record, its instance, and the request that asked for it. */
export function jobFields(job: Job): Record<string, unknown> {
  return {
    jobId: job.id,
    [job.kind === 'restore' ? 'restoreId' : job.kind === 'import' ? 'taskId' : 'backupId']: job.backupId,
    instanceId: job.instanceId,
    requestId: job.requestId ?? null,
  };
}

/** How a job's record stands once the job let go of it, read back from the store. */
export interface JobOutcome {
  status: string;
  errorCode: string | null;
  reason: string | null;
  /** Bytes of the backup file: written by a backup, read by a restore (the backup it restored). */
  bytes: number;
}

export async function readJobOutcome(store: MetadataStore, job: Job): Promise<JobOutcome> {
  if (job.kind === 'import') {
    // A migration task speaks DCS's statuses (SUCCESS, FAILED, …): its success reads as the others' succeed.
    const task = await store.migrationTasks.findById(job.backupId);
    const status = task?.status ?? 'gone';
    return {
      status: status === 'SUCCESS' ? 'succeed' : status,
      errorCode: null,
      reason: task?.errorMessage ?? null,
      bytes: 0,
    };
  }
  if (job.kind === 'restore') {
    const stored = await store.restores.findById(job.backupId);
    const backup = stored && (await store.backups.findById(stored.record.backupId));
    return {
      status: stored?.record.status ?? 'gone',
      errorCode: stored?.record.errorCode ?? null,
      reason: stored?.detail.errorMessage ?? null,
      bytes: stored?.record.status === 'succeed' ? (backup?.record.sizeBytes ?? 0) : 0,
    };
  }
  const stored = await store.backups.findById(job.backupId);
  return {
    status: stored?.record.status ?? 'gone',
    errorCode: stored?.record.errorCode ?? null,
    reason: stored?.detail.errorMessage ?? null,
    bytes: stored?.record.status === 'succeed' ? stored.record.sizeBytes : 0,
  };
}

/**
 * Logs how a job's record ended, as read back from the store so the line says what clients see: info for a
 * success, warn with the record's code and reason for anything else.
 */
export function logJobOutcome(logger: JobLogger, job: Job, ending: JobEnding, outcome: JobOutcome): void {
  const { status, errorCode, reason } = outcome;
  const fields = { ...jobFields(job), status, errorCode, reason };
  if (ending === 'reaped') logger.warn(fields, `${job.kind} reaped: its process stopped renewing the claim`);
  else if (ending === 'cancelled') logger.warn(fields, `${job.kind} cancelled`);
  else if (status === 'succeed') logger.info(fields, `${job.kind} succeeded`);
  else logger.warn(fields, `${job.kind} ${status === 'failed' ? 'failed' : `ended ${status}`}`);
}
