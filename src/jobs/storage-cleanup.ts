import type { BlobStore, MetadataStore } from '../core/ports.ts';

export interface CleanupReport {
  /** Committed files no live record owns (deleted, expired or detached records, a forced detach). */
  removedFiles: string[];
  /** Unfinished writes whose backup is no longer running. */
  removedPartials: string[];
  /** Successful records whose file has gone from storage: now marked not restorable. */
  missingFiles: string[];
  /** Records older than store ids whose file is in this store: now recorded as held by it. */
  adoptedFiles: string[];
}

// A backup's one file, or one shard's file of a cluster backup (<id>.shard-<n>-<first slot>-<last slot>.rdb).
const BACKUP_FILE = /^([0-9a-f-]{36})(?:(?:\.shard-\d+-\d+-\d+)?\.rdb|\.aof)$/;
const PAGE = 500;

export const MISSING_FILE_REASON = 'the backup file is missing from storage';

/**
 * Reconciles this process's store with the records it holds. Files are listed before records are read: a
 * backup's record always exists before its file, so a file listed here whose record is not live (or is held
 * by another store) really is an orphan. Files named otherwise are not this service's and are left alone.
 * Records held by another store (another node's directory) are never judged here. A record older than store
 * ids whose file is here is adopted; one whose file is not here is marked missing only when no other store
 * is registered, since it may be on another node's disk.
 */
export async function cleanUpStorage(deps: {
  store: MetadataStore;
  blobs: BlobStore;
}): Promise<CleanupReport> {
  const { store, blobs } = deps;
  const report: CleanupReport = { removedFiles: [], removedPartials: [], missingFiles: [], adoptedFiles: [] };
  const { committed, partial } = await blobs.list();
  const idOf = (key: string) => BACKUP_FILE.exec(key)?.[1];
  const ids = [...committed, ...partial].map(idOf).filter((id): id is string => id !== undefined);
  const live = await store.backups.liveIds(ids, blobs.id);
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

  let otherStores: boolean | undefined;
  const otherStoresKnown = async () =>
    (otherStores ??= (await store.nodes.list()).some((node) => node.storeId !== blobs.id));
  let after = '';
  for (;;) {
    const page = await store.backups.filesAfter(after, PAGE, blobs.id);
    for (const { id, fileKeys, storeId } of page) {
      // A cluster backup with any shard's file gone is missing data as a whole.
      const sizes = await Promise.all(fileKeys.map((key) => blobs.size(key)));
      if (sizes.every((size) => size !== undefined)) {
        if (storeId === null) {
          await store.backups.update(id, { storeId: blobs.id });
          report.adoptedFiles.push(id);
        }
        continue;
      }
      if (storeId === null && (await otherStoresKnown())) continue;
      if (await store.backups.markFileMissing(id, MISSING_FILE_REASON)) report.missingFiles.push(id);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return report;
}
