import type { BlobStore, MetadataStore } from '../core/ports.ts';

export interface CleanupReport {
  /** Committed files no live record owns (deleted, expired or detached records, a forced detach). */
  removedFiles: string[];
  /** Unfinished writes whose backup is no longer running. */
  removedPartials: string[];
  /** Successful records whose file has gone from storage: now marked not restorable. */
  missingFiles: string[];
}

// A backup's one file, or one shard's file of a cluster backup (<id>.shard-<n>-<first slot>-<last slot>.rdb).
const BACKUP_FILE = /^([0-9a-f-]{36})(?:\.shard-\d+-\d+-\d+)?\.rdb$/;
const PAGE = 500;

export const MISSING_FILE_REASON = 'the backup file is missing from storage';

/**
 * Reconciles storage with the records. Files are listed before records are read: a backup's record always
 * exists before its file, so a file listed here whose record is not live really is an orphan. Files named
 * otherwise are not this service's and are left alone.
 */
export async function cleanUpStorage(deps: {
  store: MetadataStore;
  blobs: BlobStore;
}): Promise<CleanupReport> {
  const { store, blobs } = deps;
  const report: CleanupReport = { removedFiles: [], removedPartials: [], missingFiles: [] };
  const { committed, partial } = await blobs.list();
  const idOf = (key: string) => BACKUP_FILE.exec(key)?.[1];
  const ids = [...committed, ...partial].map(idOf).filter((id): id is string => id !== undefined);
  const live = await store.backups.liveIds(ids);
  for (const key of committed) {
    const id = idOf(key);
    if (id && !live.has(id)) {
      await blobs.remove(key);
      report.removedFiles.push(key);
    }
  }
  for (const key of partial) {
    const id = idOf(key);
    if (id && !live.has(id)) {
      await blobs.removePartial(key);
      report.removedPartials.push(key);
    }
  }

  let after = '';
  for (;;) {
    const page = await store.backups.filesAfter(after, PAGE);
    for (const { id, fileKeys } of page) {
      // A cluster backup with any shard's file gone is missing data as a whole.
      const sizes = await Promise.all(fileKeys.map((key) => blobs.size(key)));
      if (sizes.every((size) => size !== undefined)) continue;
      if (await store.backups.markFileMissing(id, MISSING_FILE_REASON)) report.missingFiles.push(id);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return report;
}
