import type { ContentSummary, StoredBackup } from '../../core/backup-detail.ts';
import { describeSlotRanges } from '../../core/cluster-topology.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { emptyKeysWarning } from '../../core/empty-keys.ts';
import { backupRecordToWire, backupRecordWireSchema } from './backup-record-wire.ts';

/** Where a backup stands, in one word, for people and scripts polling it. */
function phaseOf({ record, detail }: StoredBackup): string {
  switch (record.status) {
    case 'waiting':
      return 'queued';
    case 'backuping':
      return detail.bytesReceived > 0 ? 'transferring' : 'connecting';
    case 'succeed':
      return record.restorable ? 'verified' : 'stored-unverified';
    default:
      return record.status;
  }
}

/** ShowBackup, an extension: the DCS record plus what the service knows beyond it. */
export function backupDetailToWire(stored: StoredBackup) {
  const { record, detail } = stored;
  const ended = record.updatedAt;
  return {
    ...backupRecordToWire(record),
    phase: phaseOf(stored),
    sha256: detail.sha256,
    rdb_version: detail.rdbVersion,
    source_version: detail.sourceVersion,
    replication_id: detail.replicationId,
    replication_offset: detail.replicationOffset,
    started_at: detail.startedAt === null ? null : formatIsoUtc(detail.startedAt),
    duration_ms: detail.startedAt !== null && ended !== null ? ended - detail.startedAt : null,
    bytes_received: detail.bytesReceived,
    estimated_bytes: detail.estimatedBytes,
    error_message: detail.errorMessage,
    // Which blob store holds the file (a node's own directory, or a bucket): null for records older than ids.
    store_id: detail.storeId,
    expires_at: detail.expiresAt === null ? null : formatIsoUtc(detail.expiresAt),
    content: detail.content && contentToWire(detail.content),
    served_by: detail.servedBy,
    // A cluster backup: each shard's file, and the node (replica or master) it was synced from.
    shards:
      detail.shards?.map((shard) => ({
        shard_index: shard.index,
        slots: describeSlotRanges(shard.slots),
        node_id: shard.nodeId,
        ip: shard.host,
        port: shard.port,
        role: shard.role,
        size: shard.sizeBytes,
        sha256: shard.sha256,
        rdb_version: shard.rdbVersion,
        keys: shard.keys,
        // Set when the node chosen first failed mid-transfer (a failover) and the file came from another.
        retried_after: shard.retriedAfter ?? null,
      })) ?? null,
  };
}

function contentToWire(content: ContentSummary) {
  return {
    verified_at: formatIsoUtc(content.verifiedAt),
    result: content.problem === null ? 'ok' : 'problem',
    problem: content.problem,
    checksum: content.checksum,
    sha256_matches: content.sha256Matches,
    keys_per_db: content.keysPerDb,
    keys_per_type: content.keysPerType,
    keys_with_expiry: content.keysWithExpiry,
    empty_keys: content.emptyKeys ?? 0,
    functions: content.functions,
    modules: content.modules,
    warnings: content.emptyKeys ? [emptyKeysWarning(content.emptyKeys)] : [],
  };
}

/** The answer to verify: what the reader found, and whether the backup is now offered for restore. */
export function verificationToWire(stored: StoredBackup, content: ContentSummary) {
  return {
    backup_id: stored.record.id,
    is_support_restore: stored.record.restorable ? 'TRUE' : 'FALSE',
    ...contentToWire(content),
  };
}

const countsSchema = { type: 'object', additionalProperties: { type: 'integer' } } as const;

const contentWireSchema = {
  type: ['object', 'null'],
  properties: {
    verified_at: { type: 'string' },
    result: { type: 'string' },
    problem: { type: ['string', 'null'] },
    checksum: { type: 'string' },
    sha256_matches: { type: ['boolean', 'null'] },
    keys_per_db: countsSchema,
    keys_per_type: countsSchema,
    keys_with_expiry: { type: 'integer' },
    empty_keys: { type: 'integer' },
    functions: { type: 'integer' },
    modules: { type: 'array', items: { type: 'string' } },
    warnings: { type: 'array', items: { type: 'string' } },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;

export const backupDetailWireSchema = {
  type: 'object',
  properties: {
    ...backupRecordWireSchema.properties,
    phase: { type: 'string' },
    sha256: nullableString,
    rdb_version: nullableInteger,
    source_version: nullableString,
    replication_id: nullableString,
    replication_offset: nullableInteger,
    started_at: nullableString,
    duration_ms: nullableInteger,
    bytes_received: { type: 'integer' },
    estimated_bytes: nullableInteger,
    error_message: nullableString,
    store_id: nullableString,
    expires_at: nullableString,
    content: contentWireSchema,
    served_by: {
      type: ['object', 'null'],
      properties: { role: { type: 'string' }, address: { type: 'string' }, reason: { type: 'string' } },
    },
    shards: {
      type: ['array', 'null'],
      items: {
        type: 'object',
        properties: {
          shard_index: { type: 'integer' },
          slots: { type: 'string' },
          node_id: { type: 'string' },
          ip: { type: 'string' },
          port: { type: 'integer' },
          role: { type: 'string' },
          size: { type: 'integer' },
          sha256: { type: 'string' },
          rdb_version: nullableInteger,
          keys: { type: 'integer' },
          retried_after: nullableString,
        },
      },
    },
  },
} as const;
