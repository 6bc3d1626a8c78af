import type { StoredBackup } from '../../core/backup-detail.ts';
import { formatIsoUtc } from '../../core/time-format.ts';
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
    expires_at: detail.expiresAt === null ? null : formatIsoUtc(detail.expiresAt),
  };
}

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
    expires_at: nullableString,
  },
} as const;
