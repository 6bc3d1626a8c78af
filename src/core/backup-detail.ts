import type { BackupRecord } from './backup-record.ts';
import type { BackupSource } from './backup-source.ts';
import type { SlotRange } from './cluster-topology.ts';
import type { RdbFindings } from './rdb-findings.ts';

/** What the service knows about a backup beyond the DCS record: for the detail view and for restore. */
export interface BackupDetail {
  /** SHA-256 of the stored file, hex. */
  sha256: string | null;
  rdbVersion: number | null;
  /** Redis (or Valkey) version of the source when the backup ran. */
  sourceVersion: string | null;
  replicationId: string | null;
  replicationOffset: number | null;
  startedAt: number | null;
  /** Why the backup failed, or why it cannot be restored, in words. */
  errorMessage: string | null;
  /** The blob holding the file; null once there is none. */
  fileKey: string | null;
  /** The blob store the file was written into (BlobStore.id); null for records older than store ids. */
  storeId: string | null;
  bytesReceived: number;
  /** What progress is measured against while the backup runs. */
  estimatedBytes: number | null;
  /** When this automatic backup expires under the instance's policy; null when it does not. */
  expiresAt: number | null;
  /** What the last verify read in the file; null until the backup is verified. */
  content: ContentSummary | null;
  /** The node the snapshot was read from and why; null before the backup starts (and for older records). */
  servedBy: BackupSource | null;
  /**
   * A cluster backup's files, one per shard, in shard order; null for a backup of one server. fileKey then
   * names the first shard's file only: every use of a cluster backup's bytes goes through this list.
   */
  shards: ShardFile[] | null;
}

/** One shard's file in a cluster backup, and where it came from. */
export interface ShardFile {
  /** The shard's position in the topology (ordered by first slot), from 0. */
  index: number;
  slots: SlotRange[];
  /** The node the file was synced from, and whether it was a replica or the shard's master. */
  nodeId: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  fileKey: string;
  sizeBytes: number;
  sha256: string;
  rdbVersion: number | null;
  /** Keys in the file, over all its databases. */
  keys: number;
  /** Why the node chosen first did not serve the file (it failed mid-transfer), when a second one did. */
  retriedAfter?: string;
}

/** Every blob a backup owns: each shard's file, or its one file. */
export function fileKeysOf(detail: BackupDetail): string[] {
  if (detail.shards) return detail.shards.map((shard) => shard.fileKey);
  return detail.fileKey ? [detail.fileKey] : [];
}

/** What a read of the whole file through the RDB reader found: after each backup, and by verify. */
export interface ContentSummary extends Omit<RdbFindings, 'sha256'> {
  verifiedAt: number;
  /** Whether every value was decoded (verify), or the structure walked (the read after a backup). */
  deep: boolean;
  /** Whether the file still has the SHA-256 recorded when it was stored; null when the read did not check. */
  sha256Matches: boolean | null;
}

export interface StoredBackup {
  record: BackupRecord;
  detail: BackupDetail;
}

export const EMPTY_DETAIL: BackupDetail = {
  sha256: null,
  rdbVersion: null,
  sourceVersion: null,
  replicationId: null,
  replicationOffset: null,
  startedAt: null,
  errorMessage: null,
  fileKey: null,
  storeId: null,
  bytesReceived: 0,
  estimatedBytes: null,
  expiresAt: null,
  content: null,
  servedBy: null,
  shards: null,
};

/** The fields a running or finishing backup may change; its status moves only by a transition (record-states.ts). */
export type BackupChange = Partial<
  Pick<BackupRecord, 'errorCode' | 'sizeBytes' | 'progressHundredths' | 'restorable' | 'updatedAt'> &
    BackupDetail
>;
