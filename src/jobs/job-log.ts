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

/**
 * Logs how a job's record ended, read back from the store so the line says what clients see: info for a
 * success, warn with the record's code and reason for anything else.
 */
export async function logJobEnding(
  store: MetadataStore,
  logger: JobLogger,
  job: Job,
  ending: JobEnding,
): Promise<void> {
  if (job.kind === 'import') {
    const task = await store.migrationTasks.findById(job.backupId);
    const fields = { ...jobFields(job), status: task?.status ?? 'gone', reason: task?.errorMessage ?? null };
    if (task?.status === 'SUCCESS' && ending === 'ended') logger.info(fields, 'import succeeded');
    else logger.warn(fields, `import ended ${task?.status ?? 'gone'} (${ending})`);
    return;
  }
  const stored =
    job.kind === 'restore'
      ? await store.restores.findById(job.backupId)
      : await store.backups.findById(job.backupId);
  const status = stored?.record.status ?? 'gone';
  const fields = {
    ...jobFields(job),
    status,
    errorCode: stored?.record.errorCode ?? null,
    reason: stored?.detail.errorMessage ?? null,
  };
  if (ending === 'reaped') logger.warn(fields, `${job.kind} reaped: its process stopped renewing the claim`);
  else if (ending === 'cancelled') logger.warn(fields, `${job.kind} cancelled`);
  else if (status === 'succeed') logger.info(fields, `${job.kind} succeeded`);
  else logger.warn(fields, `${job.kind} ${status === 'failed' ? 'failed' : `ended ${status}`}`);
}
