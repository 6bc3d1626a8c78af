import { PROGRESS_COMPLETE } from '../core/backup-record.ts';
import type { ContentSummary } from '../core/backup-detail.ts';
import type { Clock } from '../core/clock.ts';
import type { BlobStore, MetadataStore, RdbFindings, RdbInspector, RedisProbe } from '../core/ports.ts';
import { summaryOf } from '../core/use-cases/verify-backup.ts';

export interface BackupRunnerDeps {
  store: MetadataStore;
  blobs: BlobStore;
  probe: RedisProbe;
  inspector: RdbInspector;
  clock: Clock;
  /** How long the source may stay silent during the transfer before the backup times out. */
  idleTimeoutMs: number;
  /** How long a whole transfer may take; unbounded when absent. */
  transferTimeoutMs?: number;
  /** How many shards of a cluster one backup syncs at once (DCS_CLUSTER_SHARD_CONCURRENCY). */
  shardConcurrency?: number;
}

export const PROGRESS_WRITE_INTERVAL_MS = 1000;
/** Progress never claims the end before the file is durable and verified. */
export const PROGRESS_CEILING = PROGRESS_COMPLETE - 1;

/** The structure walked during the transfer, as the record keeps it (the read after a backup: not deep). */
export function contentOf(findings: RdbFindings, at: number): ContentSummary {
  return summaryOf(findings, { deep: false, at, sha256Matches: null, problem: findings.problem });
}
