import type { Clock } from '../clock.ts';
import type { BlobStore, MetadataStore, RdbInspector } from '../ports.ts';
import { summaryOf } from './verify-backup.ts';

/**
 * Walks a just-stored backup's structure (its checksum was checked as it arrived) and records what it holds:
 * keys per database and per type, functions, modules, the largest value. The detail view shows it, and a
 * restore plans from it instead of reading the whole structure again. A file the reader cannot walk is no
 * longer offered for restore.
 */
export async function recordBackupContent(
  deps: { store: MetadataStore; blobs: BlobStore; clock: Clock; inspector: RdbInspector },
  backupId: string,
  fileKey: string,
): Promise<void> {
  const file = await deps.blobs.open(fileKey);
  if (!file) return;
  const findings = await deps.inspector.inspect(file, { deep: false, checksums: false });
  const problem = findings.problem;
  const summary = summaryOf(findings, { deep: false, at: deps.clock.now(), sha256Matches: null, problem });
  await deps.store.backups.update(backupId, {
    content: summary,
    ...(problem === null
      ? {}
      : { restorable: false, errorMessage: `the RDB reader cannot read the file: ${problem}` }),
  });
}
