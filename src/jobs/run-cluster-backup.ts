import type { ContentSummary, ShardFile } from '../core/backup-detail.ts';
import { PROGRESS_COMPLETE } from '../core/backup-record.ts';
import { mergeContent } from '../core/merge-content.ts';
import {
  describeSlotRanges,
  slotSpan,
  type ClusterShard,
  type ClusterTopology,
} from '../core/cluster-topology.ts';
import type { Instance } from '../core/instance.ts';
import type { Job } from '../core/job.ts';
import { recordCode, type RecordErrorCode } from '../core/record-codes.ts';
import { applyStoredRetention } from '../core/use-cases/apply-retention.ts';
import {
  contentOf,
  PROGRESS_CEILING,
  PROGRESS_WRITE_INTERVAL_MS,
  type BackupRunnerDeps,
} from './backup-run-shared.ts';
import {
  chooseShardSource,
  chooseShardSourceAgain,
  nodeEndpoint,
  refreshTopology,
  type ShardSource,
} from './shard-source.ts';
import { TransferFailure, transferSnapshot, type StoredSnapshot } from './snapshot-transfer.ts';

export interface ClusterBackupContext {
  job: Job;
  instance: Instance;
  auto: boolean;
  /** Size of the instance's last successful backup, the first estimate of this one. */
  previous: number | undefined;
  fail(code: RecordErrorCode, message: string): Promise<void>;
}

export const DEFAULT_SHARD_CONCURRENCY = 2;

/** A shard's file: says the backup, the shard and its slot span, in a flat key any blob store accepts. */
export function shardFileKey(backupId: string, index: number, shard: ClusterShard): string {
  const [first, last] = slotSpan(shard);
  return `${backupId}.shard-${index}-${first}-${last}.rdb`;
}

interface ShardPlan {
  index: number;
  shard: ClusterShard;
  source: ShardSource;
  key: string;
  /** Why the source chosen first did not serve the file, when it was read from a second one. */
  retriedAfter?: string;
}

/**
 * A cluster backup: one record, one RDB per shard. The topology is read again first (uncovered slots fail
 * the record, naming them); each shard is synced from a replica in step with its master when there is one,
 * at most shardConcurrency at once, each file checked as a single server's is. The record says succeed only
 * when every shard's file is stored and checked out; the first shard to fail stops the others and fails the
 * record naming it, and every shard's file is removed. Never throws.
 */
export async function runClusterBackup(
  deps: BackupRunnerDeps,
  context: ClusterBackupContext,
  signal: AbortSignal,
): Promise<void> {
  const { store, blobs, clock } = deps;
  const { job, instance, fail } = context;
  let topology: ClusterTopology;
  try {
    topology = await refreshTopology(deps.probe, instance.endpoint, instance.topology, clock.now());
  } catch (error) {
    await fail(recordCode('toolFailed'), `cannot back up the cluster: ${(error as Error).message}`);
    return;
  }
  await store.instances.setTopology(instance.id, topology).catch(() => undefined);

  const plans: ShardPlan[] = await Promise.all(
    topology.shards.map(async (shard, index) => ({
      index,
      shard,
      source: await chooseShardSource(deps.probe, instance.endpoint, shard),
      key: shardFileKey(job.backupId, index, shard),
    })),
  );
  const memory = plans.map((plan) => plan.source.usedMemoryBytes);
  const firstEstimate =
    context.previous ?? (memory.every((m) => m !== null) ? memory.reduce((a, b) => a! + b!, 0) : null);

  // Progress over all shards: bytes received so far against the sum of what each shard announced, or the
  // first estimate's share for those that did not (yet).
  const received = plans.map(() => 0);
  const announced: (number | null)[] = plans.map(() => null);
  let lastWrite = 0;
  let progressWrite: Promise<unknown> = Promise.resolve();
  const progressOf = (index: number) => (bytes: number, length: number | null) => {
    received[index] = bytes;
    if (length !== null) announced[index] = length;
    const now = clock.now();
    if (now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    lastWrite = now;
    const share = firstEstimate === null ? null : firstEstimate / plans.length;
    const parts = announced.map((length) => length ?? share);
    const estimate = parts.every((p) => p !== null) ? parts.reduce((a, b) => a! + b!, 0) : null;
    const total = received.reduce((a, b) => a + b, 0);
    const hundredths = estimate
      ? Math.min(PROGRESS_CEILING, Math.floor((total * PROGRESS_COMPLETE) / estimate))
      : 0;
    progressWrite = progressWrite.then(() =>
      store.backups
        .transition(job.backupId, ['backuping'], 'backuping', {
          bytesReceived: total,
          progressHundredths: hundredths,
          estimatedBytes: estimate === null ? null : Math.round(estimate),
        })
        .catch(() => undefined),
    );
  };

  // One shard failing stops the others: the job's own cancellation passes through with its reason.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  const stored = new Map<number, StoredSnapshot>();
  // sourcesNamed: the message already says which nodes it was read from (a retried shard names both).
  let failure: { plan: ShardPlan; error: TransferFailure; sourcesNamed: boolean } | undefined;
  const transferShard = async (plan: ShardPlan) => {
    const endpoint = nodeEndpoint(instance.endpoint, plan.source.node);
    const snapshot = await transferSnapshot(deps, endpoint, plan.key, stop.signal, progressOf(plan.index), {
      backupId: job.backupId,
      sizeHint: plan.source.usedMemoryBytes ?? (firstEstimate === null ? null : firstEstimate / plans.length),
    });
    stored.set(plan.index, snapshot);
    const problem = snapshot.found.problem
      ? `the RDB reader cannot read the file: ${snapshot.found.problem}`
      : snapshot.summary.checksum !== 'ok'
        ? 'the source writes RDB files without a checksum, so the file cannot be checked'
        : null;
    if (problem) throw new TransferFailure(recordCode('toolFailed'), problem);
  };
  const runOne = async (plan: ShardPlan) => {
    if (stop.signal.aborted) return;
    let error: TransferFailure;
    let sourcesNamed = false;
    try {
      return await transferShard(plan);
    } catch (caught) {
      error = asTransferFailure(caught);
    }
    // The source failed (a failover dropped the sync, the node died): once, the shard is read from the node
    // the topology, read anew, names now; the record then says so.
    if (error.sourceFailed && !stop.signal.aborted) {
      sourcesNamed = true;
      const first = `${describeSource(plan.source)} failed: ${error.message}`;
      try {
        const source = await chooseShardSourceAgain(deps.probe, instance.endpoint, topology, plan.shard, () =>
          clock.now(),
        );
        const retried: ShardPlan = { ...plan, source, retriedAfter: first };
        plans[plan.index] = retried;
        try {
          return await transferShard(retried);
        } catch (caught) {
          const again = asTransferFailure(caught);
          error = new TransferFailure(
            again.code,
            `${first}; retried from ${describeSource(source)}, which failed too: ${again.message}`,
          );
        }
      } catch (caught) {
        // The topology could not be read again, or no longer fits the shard.
        error = new TransferFailure(error.code, `${first}; not retried: ${(caught as Error).message}`);
      }
    }
    if (!failure) {
      failure = { plan, error, sourcesNamed };
      stop.abort(new Error(`shard ${plan.index} failed`));
    }
  };
  const limit = Math.max(1, deps.shardConcurrency ?? DEFAULT_SHARD_CONCURRENCY);
  const queue = [...plans];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) await runOne(plan);
    }),
  );
  signal.removeEventListener('abort', onAbort);
  await progressWrite;

  const removeAll = () => Promise.all(plans.map((plan) => blobs.remove(plan.key).catch(() => undefined)));
  if (failure) {
    await removeAll();
    const { plan, error, sourcesNamed } = failure;
    const cancelled = signal.aborted;
    const shard = sourcesNamed
      ? describeShard(plan)
      : `${describeShard(plan)} from ${describeSource(plan.source)}`;
    await fail(error.code, cancelled ? error.message : `${shard}: ${error.message}`);
    return;
  }

  const shards: ShardFile[] = plans.map((plan) => {
    const { summary, found } = stored.get(plan.index)!;
    return {
      index: plan.index,
      slots: plan.shard.slots,
      nodeId: plan.source.node.id,
      host: plan.source.node.host,
      port: plan.source.node.port,
      role: plan.source.role,
      fileKey: plan.key,
      sizeBytes: summary.sizeBytes,
      sha256: summary.sha256,
      rdbVersion: summary.rdbVersion,
      keys: Object.values(found.keysPerDb).reduce((a, b) => a + b, 0),
      ...(plan.retriedAfter ? { retriedAfter: plan.retriedAfter } : {}),
    };
  });
  const size = shards.reduce((sum, shard) => sum + shard.sizeBytes, 0);
  const first = stored.get(0)!;
  const succeeded = await store.backups
    .transition(job.backupId, ['backuping'], 'succeed', {
      sizeBytes: size,
      bytesReceived: size,
      progressHundredths: PROGRESS_COMPLETE,
      restorable: true,
      sha256: null,
      rdbVersion: first.summary.rdbVersion,
      fileKey: plans[0]!.key,
      shards,
      content: mergedContent([...stored.values()], clock.now()),
      updatedAt: clock.now(),
    })
    .catch(async (error: unknown) => {
      await removeAll();
      await fail(recordCode('toolFailed'), `the backup stopped: ${(error as Error).message}`);
      return null;
    });
  if (succeeded === false) {
    // Reaped while it ran: the record's outcome stands, and no record owns these files.
    await removeAll();
    return;
  }
  if (succeeded && context.auto) {
    await applyStoredRetention(store, instance.id, clock.now()).catch(() => undefined);
  }
}

function describeShard(plan: ShardPlan): string {
  return `shard ${plan.index} (slots ${describeSlotRanges(plan.shard.slots)})`;
}

function describeSource({ role, node }: ShardSource): string {
  return `${role} ${node.host}:${node.port} ${node.id}`;
}

function asTransferFailure(error: unknown): TransferFailure {
  return error instanceof TransferFailure
    ? error
    : new TransferFailure(recordCode('toolFailed'), (error as Error).message);
}

/** What every shard's file holds, added up: the record's content is the cluster's. */
function mergedContent(snapshots: StoredSnapshot[], at: number): ContentSummary {
  return mergeContent(
    snapshots.map(({ summary, found }) =>
      contentOf({ ...found, sha256: summary.sha256, checksum: summary.checksum }, at),
    ),
  );
}
