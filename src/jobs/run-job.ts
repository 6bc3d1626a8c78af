import type { Job } from '../core/job.ts';
import type { FastPathSetting } from '../engine/restore/restore-types.ts';
import { type BackupRunnerDeps, runBackupJob } from './run-backup.ts';
import { runImportJob } from './run-import.ts';
import { runRestoreJob } from './run-restore.ts';

export interface JobRunnerDeps extends BackupRunnerDeps {
  /** How long a restore target may take to answer. */
  restoreTimeoutMs: number;
  /**
   * The restore replication fast path: tried first wherever it applies unless false; absent, targets reach this
   * process at the address they see it connect from.
   */
  restoreFastPath?: FastPathSetting | false;
}

/** Runs a claimed job, whatever its kind; never throws. */
export function jobRunner(deps: JobRunnerDeps): (job: Job, signal: AbortSignal) => Promise<void> {
  return (job, signal) =>
    job.kind === 'import'
      ? runImportJob({ ...deps, timeoutMs: deps.restoreTimeoutMs }, job, signal)
      : job.kind === 'restore'
        ? runRestoreJob(
            {
              ...deps,
              timeoutMs: deps.restoreTimeoutMs,
              ...(deps.restoreFastPath === false ? {} : { fastPath: deps.restoreFastPath ?? {} }),
            },
            job,
            signal,
          )
        : runBackupJob(deps, job, signal);
}
