import type { ContentSummary, StoredBackup } from '../../core/backup-detail.ts';
import { describeSlotRanges } from '../../core/cluster-topology.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
import { emptyKeysWarning } from '../../core/empty-keys.ts';
import Type, { type Static } from 'typebox';
import { backupRecordToWire, backupRecordWireSchema } from './backup-record-wire.ts';
import { nullable, nullableInteger, nullableString, stringEnum } from './schema-kit.ts';

/** Where a backup stands, in one word, for people and scripts polling it. */
function phaseOf({ record, detail }: StoredBackup): Static<typeof backupDetailWireSchema>['phase'] {
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
export function backupDetailToWire(stored: StoredBackup): Static<typeof backupDetailWireSchema> {
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

function contentToWire(content: ContentSummary): Static<typeof contentObjectSchema> {
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
export function verificationToWire(
  stored: StoredBackup,
  content: ContentSummary,
): Static<typeof verificationWireSchema> {
  return {
    backup_id: stored.record.id,
    is_support_restore: stored.record.restorable ? 'TRUE' : 'FALSE',
    ...contentToWire(content),
  };
}

// additionalProperties rather than TypeBox's Record (patternProperties): the schema the serialiser always had.
const countsSchema = Type.Unsafe<Record<string, number>>({
  type: 'object',
  additionalProperties: { type: 'integer' },
});

const contentProperties = {
  verified_at: Type.String({ format: 'date-time' }),
  result: stringEnum(['ok', 'problem']),
  problem: nullableString(),
  checksum: Type.String(),
  sha256_matches: nullable(Type.Boolean()),
  keys_per_db: countsSchema,
  keys_per_type: countsSchema,
  keys_with_expiry: Type.Integer(),
  empty_keys: Type.Integer(),
  functions: Type.Integer(),
  modules: Type.Array(Type.String()),
  warnings: Type.Array(Type.String()),
};

const contentObjectSchema = Type.Object(contentProperties, { description: 'what the last verify found' });
const contentWireSchema = nullable(contentObjectSchema);

const servedBySchema = nullable(
  Type.Object({
    role: stringEnum(['replica', 'master']),
    address: Type.String(),
    reason: Type.String(),
  }),
);

const shardSchema = Type.Object({
  shard_index: Type.Integer(),
  slots: Type.String({ description: 'slot ranges, as 0-5460' }),
  node_id: Type.String(),
  ip: Type.String(),
  port: Type.Integer(),
  role: stringEnum(['replica', 'master']),
  size: Type.Integer(),
  sha256: Type.String(),
  rdb_version: nullableInteger(),
  keys: Type.Integer(),
  retried_after: nullable(Type.String({ description: 'the first source tried and why it failed' })),
});

export const backupDetailWireSchema = Type.Object(
  {
    ...backupRecordWireSchema.properties,
    phase: stringEnum([
      'queued',
      'connecting',
      'transferring',
      'verified',
      'stored-unverified',
      'failed',
      'expired',
      'deleted',
    ]),
    sha256: nullableString(),
    rdb_version: nullableInteger(),
    source_version: nullableString(),
    replication_id: nullableString(),
    replication_offset: nullableInteger(),
    started_at: nullable(Type.String({ format: 'date-time' })),
    duration_ms: nullableInteger(),
    bytes_received: Type.Integer(),
    estimated_bytes: nullableInteger(),
    error_message: nullableString(),
    store_id: nullableString(),
    expires_at: nullable(Type.String({ format: 'date-time' })),
    content: contentWireSchema,
    served_by: servedBySchema,
    shards: nullable(Type.Array(shardSchema)),
  },
  { title: 'BackupDetail' },
);

/** VerifyBackup's answer: what the reader found, and whether the backup is offered for restore now. */
export const verificationWireSchema = Type.Object({
  backup_id: Type.String({ format: 'uuid' }),
  is_support_restore: stringEnum(['TRUE', 'FALSE']),
  ...contentProperties,
});
