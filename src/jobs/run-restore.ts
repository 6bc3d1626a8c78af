import { PROGRESS_COMPLETE } from '../core/backup-record.ts';
import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';
import { ACTIVE_RESTORE_STATUSES } from '../core/record-states.ts';
import type { Clock } from '../core/clock.ts';
import type { Job } from '../core/job.ts';
import type { BlobStore, MetadataStore, RedisProbe } from '../core/ports.ts';
import { type DestinationReport, restoreRouted } from '../engine/restore/cluster-restore.ts';
import type { RestorePlan } from '../engine/restore/restore-plan.ts';
import type { FastPathSetting, RestoreSource } from '../engine/restore/restore-types.ts';
import type { TargetInfo } from '../engine/restore/target-probe.ts';
import { restoreTargets } from './restore-targets.ts';
import type { RestoreOutcome } from '../core/restore-record.ts';
import { CommandRefused } from '../engine/restore/command-pipeline.ts';
import { type BackupContent, describeRoutes } from '../engine/restore/restore-plan.ts';
import type { BackupDetail } from '../core/backup-detail.ts';
import { restoreRdb, RestoreRefused, type RestoreReport } from '../engine/restore/restore-engine.ts';
import { restoreAofBackup } from '../engine/restore/restore-aof-backup.ts';
import { RedisWireError } from '../engine/resp/redis-wire-error.ts';
import { addressOf } from '../engine/topology/replication-info.ts';
import { cancellationOf } from './job-cancelled.ts';
import { heldElsewhere } from '../core/use-cases/file-holder.ts';

export interface RestoreRunnerDeps {
  store: MetadataStore;
  /** Reads a cluster target's topology before the restore. */
  probe: RedisProbe;
  blobs: BlobStore;
  clock: Clock;
  /** How long the target may take to answer before the restore fails. */
  timeoutMs: number;
  /** Where targets reach this process for the replication fast path; absent, restores use commands only. */
  fastPath?: FastPathSetting;
}

const PROGRESS_WRITE_INTERVAL_MS = 1000;
const PROGRESS_CEILING = PROGRESS_COMPLETE - 1;

/**
 * Runs one restore job to its end: waiting → restoring → succeed or failed, with the reason kept. A refusal
 * (the target cannot take the backup) ends failed before anything was written to the target. Never throws.
 */
export async function runRestoreJob(deps: RestoreRunnerDeps, job: Job, signal: AbortSignal): Promise<void> {
  const { store, blobs, clock } = deps;
  const restore = await store.restores.findById(job.backupId);
  if (!restore || restore.record.status !== 'waiting') return;
  const id = restore.record.id;
  const fail = (code: RecordErrorCode, message: string, report: RestoreOutcome | null = null) =>
    store.restores.transition(id, ACTIVE_RESTORE_STATUSES, 'failed', {
      errorCode: code,
      errorMessage: message,
      report,
      updatedAt: clock.now(),
    });

  // From waiting only: a restore reaped before it began stays failed.
  if (!(await store.restores.transition(id, ['waiting'], 'restoring', { startedAt: clock.now() }))) return;
  const target = await store.instances.findById(restore.record.instanceId);
  const backup = await store.backups.findById(restore.record.backupId);
  const fileKey = backup?.detail.fileKey ?? null;
  // Never "gone" for a file another node holds: the record names that node.
  const elsewhere = backup && fileKey !== null ? await heldElsewhere(deps, backup.detail) : null;
  if (elsewhere !== null) {
    await fail(recordCode('toolFailed'), `cannot restore on this node: ${elsewhere}`);
    return;
  }
  const sources = backup && fileKey !== null ? await restoreSources(blobs, backup.detail) : null;
  if (!target || !backup || backup.record.status !== 'succeed' || sources === null) {
    await fail(
      recordCode('toolFailed'),
      'the backup or its file is gone (deleted or expired since the restore was asked for)',
    );
    return;
  }
  // Checked when the restore was asked for too; the instance may have been attached again since.
  if (sources.length > 1 && target.type !== 'cluster' && !restore.detail.intoStandalone) {
    await fail(
      recordCode('toolFailed'),
      'refused before anything was written to the target: the backup is of a cluster and the target is not one; ask with into_standalone to put every shard into it',
    );
    return;
  }

  const targets = await restoreTargets(deps, target).catch(async (error: unknown) => {
    await fail(recordCode('toolFailed'), `cannot find the target's masters: ${(error as Error).message}`);
    return null;
  });
  if (targets === null) return;
  const targetEndpoint = targets[0]!.endpoint;
  const routed = sources.length > 1 || targets[0]!.slots !== null;
  if (routed && backup.record.format === 'aof') {
    await fail(
      recordCode('toolFailed'),
      'refused before anything was written to the target: an AOF backup is not restored into a cluster yet',
    );
    return;
  }

  let lastWrite = 0;
  let progressWrite: Promise<unknown> = Promise.resolve();
  let outcome: RestoreOutcome | null = null;
  try {
    const common = {
      now: () => clock.now(),
      timeoutMs: deps.timeoutMs,
      signal,
      onStart: (plan: RestorePlan, info: TargetInfo, content: BackupContent) => {
        outcome = {
          ...emptyOutcome(),
          targetAddress: addressOf(targetEndpoint),
          targetVersion: info.version,
          targetRdbVersion: info.rdbVersion,
          routes: describeRoutes(plan, content.magic ?? 'REDIS'),
          warnings: [...plan.warnings],
        };
      },
      // Kept as they arise (a fallback from the fast path), so that a restore that then fails records them.
      onWarning: (warning: string) => outcome?.warnings.push(warning),
      onProgress: (bytes: number, total: number) => {
        const now = clock.now();
        if (now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
        lastWrite = now;
        const hundredths = Math.min(
          PROGRESS_CEILING,
          Math.floor((bytes * PROGRESS_COMPLETE) / Math.max(1, total)),
        );
        progressWrite = progressWrite.then(() =>
          store.restores
            .transition(id, ['restoring'], 'restoring', { progressHundredths: hundredths })
            .catch(() => undefined),
        );
      },
    };
    // An AOF backup goes in as its commands; same options, progress and report.
    const report: RestoreReport & { destinations?: DestinationReport[] } = routed
      ? await restoreRouted({ ...common, targets, sources })
      : backup.record.format === 'aof'
        ? await restoreAofBackup({ ...common, target: targetEndpoint, source: sources[0]! })
        : await restoreRdb({
            ...common,
            target: targetEndpoint,
            source: sources[0]!,
            ...(deps.fastPath ? { fastPath: deps.fastPath } : {}),
          });
    await progressWrite;
    // A restore reaped meanwhile keeps its failed outcome: its target was written by a job nobody watched.
    await store.restores.transition(id, ['restoring'], 'succeed', {
      progressHundredths: PROGRESS_COMPLETE,
      report: {
        ...outcomeOf(report, outcome),
        targetAddress: addressOf(targetEndpoint),
        ...shardsOf(report.destinations),
      },
      updatedAt: clock.now(),
    });
  } catch (error) {
    await progressWrite;
    const message = (error as Error).message;
    const cancelled = cancellationOf(signal);
    if (cancelled) {
      await fail(cancelled.recordCode, `${cancelled.message}; the target's data may be incomplete`, outcome);
    } else if (error instanceof RestoreRefused) {
      await fail(recordCode('toolFailed'), `refused before anything was written to the target: ${message}`);
    } else if (error instanceof RedisWireError && outcome === null) {
      await fail(recordCode('toolFailed'), `cannot use the target: ${message}`);
    } else if (error instanceof RedisWireError && error.kind === 'timeout') {
      await fail(
        recordCode('timedOut'),
        `the target stopped answering mid-restore; its data is incomplete: ${message}`,
        outcome,
      );
    } else if (error instanceof CommandRefused || error instanceof RedisWireError) {
      await fail(
        recordCode('restoreSyncFailed'),
        `the data could not be written; the target's data is incomplete: ${message}`,
        outcome,
      );
    } else {
      await fail(
        recordCode('restoreSyncFailed'),
        `the restore stopped; the target's data is incomplete: ${message}`,
        outcome,
      );
    }
  }
}

/**
 * The backup's files as restore reads them: each shard's of a cluster backup (in shard order), or its one file;
 * null when one is gone.
 */
async function restoreSources(blobs: BlobStore, detail: BackupDetail): Promise<RestoreSource[] | null> {
  const files = detail.shards
    ? detail.shards.map((shard) => ({ key: shard.fileKey, sha256: shard.sha256 }))
    : [{ key: detail.fileKey!, sha256: detail.sha256 }];
  const sources: RestoreSource[] = [];
  for (const file of files) {
    const size = await blobs.size(file.key);
    if (size === undefined) return null;
    sources.push({
      sizeBytes: size,
      open: async () => (await blobs.open(file.key)) ?? gone(),
      openRange: async (start, end) => (await blobs.open(file.key, { start, end })) ?? gone(),
      // A shard's file has its own SHA-256 but no recorded content: its structure is read again.
      ...(detail.shards ? {} : knownContent(detail)),
    });
  }
  return sources;
}

function shardsOf(destinations: DestinationReport[] | undefined): Pick<RestoreOutcome, 'targetShards'> {
  const shards = (destinations ?? []).filter((d) => d.slots !== null);
  if (shards.length === 0) return {};
  return { targetShards: shards.map((d) => ({ address: d.address, slots: d.slots!, keys: d.keys })) };
}

/** What was recorded of the file when it was stored, if its read found nothing wrong. */
function knownContent(detail: BackupDetail): { known?: { content: BackupContent; sha256: string } } {
  const content = detail.content;
  if (!content || content.problem !== null || detail.sha256 === null) return {};
  return { known: { content, sha256: detail.sha256 } };
}

function gone(): never {
  throw new Error('the backup file disappeared during the restore');
}

function emptyOutcome(): RestoreOutcome {
  return {
    targetVersion: '',
    targetRdbVersion: 0,
    routes: '',
    keysRestored: 0,
    keysRelabelled: 0,
    keysRewritten: 0,
    keysExpired: 0,
    functionLibraries: 0,
    warnings: [],
  };
}

function outcomeOf(report: RestoreReport, started: RestoreOutcome | null): RestoreOutcome {
  return {
    targetVersion: report.target.version,
    targetRdbVersion: report.target.rdbVersion,
    routes:
      report.method === 'replication'
        ? 'every type: loaded by the target as a replica'
        : (started?.routes ?? ''),
    method: report.method,
    methodReason: report.methodReason,
    keysRestored: report.keysRestored,
    keysRelabelled: report.keysRelabelled,
    keysRewritten: report.keysRewritten,
    keysExpired: report.keysExpired,
    functionLibraries: report.functionLibraries,
    warnings: report.warnings,
  };
}
