import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { summaryOf } from './verify-backup.ts';
import { type BackupRecord, backupFileKey, backupNameFor, PROGRESS_COMPLETE } from '../backup-record.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { BlobStore, MetadataStore, RdbFindings, RdbInspector } from '../ports.ts';
import { recordCode } from '../record-codes.ts';
import { checkRemark } from '../remark.ts';
import { requireInstance } from './require-instance.ts';
import { isImportFileKeyOf } from './store-import-file.ts';

export interface ImportBackupRequest {
  projectId: string;
  instanceId: string;
  /** The key of a file this project uploaded (UploadImportFile). */
  fileName: string;
  remark: string | null;
}

export interface ImportBackupDeps {
  store: MetadataStore;
  blobs: BlobStore;
  clock: Clock;
  inspector: RdbInspector;
}

/**
 * Stores an outside RDB file as a manual backup of the instance (an extension). The file is read whole through
 * the RDB reader first (structure and CRC-64; versions 1 to 4 have no checksum and pass on the full read alone,
 * as Redis loads them); a file that fails is refused with the reason and nothing is stored. Then the record is
 * inserted, the bytes copied into a backup file (their SHA-256 must be those just read), and the record marked
 * succeed with what the read found, so it lists, downloads, verifies and restores like any other. The uploaded
 * file is removed once the backup holds it.
 */
export async function importBackup(
  deps: ImportBackupDeps,
  request: ImportBackupRequest,
): Promise<BackupRecord> {
  const { store, blobs, clock } = deps;
  const instance = await requireInstance(store, request.projectId, request.instanceId);
  checkRemark(request.remark);
  if (instance.type === 'cluster') {
    throw new DomainError(
      'not_supported',
      'A single RDB file cannot be a backup of a cluster instance (one file per shard): import it with a migration task instead.',
    );
  }
  if (!isImportFileKeyOf(request.projectId, request.fileName)) {
    throw new DomainError(
      'import_file_missing',
      'file_name must name a file uploaded to this project for import (PUT .../import-files/{file_name}).',
    );
  }
  const findings = await read(deps, request.fileName);
  const problem = rejection(findings);
  if (problem !== null) {
    throw new DomainError('import_file_rejected', `The file cannot be stored as a backup: ${problem}.`);
  }

  const now = clock.now();
  const record: BackupRecord = {
    id: newId(),
    instanceId: instance.id,
    name: backupNameFor(now),
    type: 'manual',
    format: 'rdb',
    status: 'backuping',
    remark: request.remark,
    period: null,
    errorCode: null,
    sizeBytes: 0,
    progressHundredths: 0,
    restorable: false,
    createdAt: now,
    updatedAt: null,
    executionAt: now,
  };
  const key = backupFileKey(record.id);
  // The record first, holding this store: the clean-up pass then knows the file being written is a live one's.
  await store.backups.insert(record);
  await store.backups.update(record.id, { storeId: blobs.id, startedAt: now });
  try {
    const sizeBytes = await copy(blobs, request.fileName, key, findings);
    const content = summaryOf(findings, { deep: false, at: clock.now(), sha256Matches: true, problem: null });
    const finished = {
      sizeBytes,
      bytesReceived: sizeBytes,
      progressHundredths: PROGRESS_COMPLETE,
      restorable: true,
      errorMessage: null,
      sha256: findings.sha256,
      rdbVersion: findings.rdbVersion,
      fileKey: key,
      content,
      updatedAt: clock.now(),
    };
    await store.backups.transition(record.id, ['backuping'], 'succeed', finished);
    await blobs.remove(request.fileName).catch(() => undefined);
    return { ...record, status: 'succeed', sizeBytes, restorable: true, updatedAt: finished.updatedAt };
  } catch (error) {
    await blobs.remove(key).catch(() => undefined);
    await store.backups
      .transition(record.id, ['backuping'], 'failed', {
        errorCode: recordCode('toolFailed'),
        errorMessage: `the import stopped: ${(error as Error).message}`,
        updatedAt: clock.now(),
      })
      .catch(() => undefined);
    throw error;
  }
}

async function read(deps: ImportBackupDeps, key: string): Promise<RdbFindings> {
  const file = await deps.blobs.open(key);
  if (!file) {
    throw new DomainError('import_file_missing', `The file ${JSON.stringify(key)} is not in the store.`);
  }
  return deps.inspector.inspect(file, { deep: false, checksums: true });
}

/** Why the file cannot be a backup, or null. */
function rejection(findings: RdbFindings): string | null {
  if (findings.problem !== null) return findings.problem;
  if (findings.modules.length > 0) return `it holds module data (${findings.modules.join(', ')})`;
  if (findings.checksum === 'ok') return null;
  // Before RDB 5 the format has no checksum: the full read above is all Redis checks too.
  if (findings.checksum === 'absent' && findings.rdbVersion !== null && findings.rdbVersion < 5) return null;
  return findings.checksum === 'mismatch'
    ? 'its CRC-64 does not match its content'
    : 'it carries no checksum (written with rdbchecksum no), so its content cannot be checked';
}

/** Copies the uploaded bytes into the backup's file; they must be the bytes the read judged. */
async function copy(blobs: BlobStore, from: string, to: string, findings: RdbFindings): Promise<number> {
  const source = await blobs.open(from);
  if (!source) throw new Error('the uploaded file disappeared');
  const writer = await blobs.create(to, { sizeHint: null });
  const hash = createHash('sha256');
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, measure, writer.stream);
    if (hash.digest('hex') !== findings.sha256)
      throw new Error('the uploaded file changed while it was read');
    await writer.commit({ sha256: findings.sha256, 'rdb-version': String(findings.rdbVersion) });
    return size;
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}
