import type { ContentSummary, StoredBackup } from '../backup-detail.ts';
import type { Clock } from '../clock.ts';
import { DomainError } from '../errors.ts';
import type { BlobStore, MetadataStore, RdbFindings, RdbInspector } from '../ports.ts';
import { mergeContent } from '../merge-content.ts';
import { findBackup } from './find-backup.ts';
import { requireHeldHere } from './file-holder.ts';

export const FILE_GONE = 'the backup file is missing from storage';

/**
 * Reads a stored backup whole through the RDB reader (structure, every value, the CRC-64 and the SHA-256
 * recorded when it was stored) and records what it found. A file that fails is no longer offered for restore;
 * one that passes is, unless its source wrote no checksum.
 */
export async function verifyBackup(
  deps: { store: MetadataStore; blobs: BlobStore; clock: Clock; inspector: RdbInspector },
  projectId: string,
  instanceId: string,
  backupId: string,
): Promise<{ stored: StoredBackup; summary: ContentSummary }> {
  const { record, detail } = await findBackup(deps.store, projectId, instanceId, backupId);
  if (record.status !== 'succeed' || detail.fileKey === null) {
    throw new DomainError(
      'backup_not_ready',
      `Only a stored backup can be verified: this one is ${record.status}${detail.fileKey === null && record.status === 'succeed' ? ` (${detail.errorMessage ?? FILE_GONE})` : ''}.`,
    );
  }
  // A file on another node's disk is not missing: that node can verify it.
  await requireHeldHere(deps, detail);
  if (record.format === 'aof') {
    // The reader reads RDB files: an AOF read through it would be judged corrupt and withdrawn from restore.
    throw new DomainError(
      'not_supported',
      'An AOF backup cannot be verified here: its snapshot was checked (CRC-64) as it was converted, and a restore checks its SHA-256 and framing.',
    );
  }
  // A cluster backup's files are read one after another, each against its own SHA-256; a problem names the shard.
  const files = detail.shards
    ? detail.shards.map((shard) => ({
        key: shard.fileKey,
        sha256: shard.sha256,
        name: `shard ${shard.index}: `,
      }))
    : [{ key: detail.fileKey, sha256: detail.sha256, name: '' }];
  const read: { summary: ContentSummary; checksum: RdbFindings['checksum'] }[] = [];
  for (const { key, sha256, name } of files) {
    const file = await deps.blobs.open(key);
    if (!file) {
      await deps.store.backups.markFileMissing(backupId, FILE_GONE);
      throw new DomainError('backup_not_ready', `The backup cannot be verified: ${name}${FILE_GONE}.`);
    }
    const findings = await deps.inspector.inspect(file, { deep: true, checksums: true });
    const sha256Matches = sha256 === null || findings.sha256 === sha256;
    const found =
      findings.problem ??
      (sha256Matches ? null : 'the file has changed since it was stored (its SHA-256 differs)');
    const problem = found === null ? null : `${name}${found}`;
    read.push({
      summary: summaryOf(findings, { deep: true, at: deps.clock.now(), sha256Matches, problem }),
      // Before RDB 5 the format has no checksum (an imported old file): the full read is all there is to check.
      checksum:
        findings.checksum === 'absent' && findings.rdbVersion !== null && findings.rdbVersion < 5
          ? 'ok'
          : findings.checksum,
    });
  }
  const summary = mergeContent(read.map((part) => part.summary));
  const { problem } = summary;
  const checksummed = read.every((part) => part.checksum === 'ok');
  const restorable = problem === null && checksummed;
  const errorMessage = problem ?? (checksummed ? null : 'the source writes RDB files without a checksum');
  // Only onto a backup still stored: one deleted or expired during the read keeps its state and flags.
  const stillStored = await deps.store.backups.transition(backupId, ['succeed'], 'succeed', {
    content: summary,
    restorable,
    errorMessage,
  });
  if (!stillStored) {
    throw new DomainError(
      'backup_not_ready',
      'The backup was deleted or expired while it was being verified.',
    );
  }
  return {
    stored: { record: { ...record, restorable }, detail: { ...detail, content: summary, errorMessage } },
    summary,
  };
}

/** A read's findings as the record keeps them (the problem may be the caller's own, e.g. a SHA-256 mismatch). */
export function summaryOf(
  findings: RdbFindings,
  read: { deep: boolean; at: number; sha256Matches: boolean | null; problem: string | null },
): ContentSummary {
  const { sha256: _sha256, ...found } = findings;
  return {
    ...found,
    verifiedAt: read.at,
    deep: read.deep,
    sha256Matches: read.sha256Matches,
    problem: read.problem,
  };
}
