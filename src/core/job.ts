import { newId } from './ids.ts';

export const JOB_KINDS = ['backup', 'restore', 'import'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * Work for a worker, kept in the metadata database so that any process sharing it can run it, and so that
 * one whose worker died is noticed when its lease runs out.
 */
export interface Job {
  id: string;
  kind: JobKind;
  instanceId: string;
  /** The record the job fills in: a backup, for a restore the restore record, for an import its task. */
  backupId: string;
  state: 'queued' | 'running' | 'finished';
  owner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  finishedAt: number | null;
  /** The request that queued it (its X-Request-Id), or `scheduler` for automatic backups: for the job's log lines. */
  requestId?: string | null;
  /** Only a process over this blob store may run it (a restore reads a file on one node's disk); null: any. */
  storeId?: string | null;
}

/** A job waiting to be claimed, for the record `recordId` of an instance, queued by `requestId`. */
export function queuedJob(
  kind: JobKind,
  instanceId: string,
  recordId: string,
  now: number,
  requestId: string | null = null,
  storeId: string | null = null,
): Job {
  return {
    id: newId(),
    kind,
    instanceId,
    backupId: recordId,
    state: 'queued',
    owner: null,
    leaseUntil: null,
    createdAt: now,
    finishedAt: null,
    requestId,
    storeId,
  };
}
