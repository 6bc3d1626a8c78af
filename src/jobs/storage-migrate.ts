import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, MetadataStore } from '../core/ports.ts';

/** A bucket store: it can tell what an object says it holds (its sha256 metadata), so a resumed run trusts it. */
export interface MigrationTarget extends BlobStore {
  metadata(key: string): Promise<Record<string, string> | undefined>;
}

export type MigrationOutcome =
  /** Uploaded (or found already uploaded) and the record now points at the bucket. */
  | 'moved'
  /** Nothing to do: the record already points at the bucket. */
  | 'skipped'
  /** Not switched: the record stays served from the local directory. */
  | 'failed'
  /** --dry-run: what would be moved. */
  | 'would-move';

export interface MigrationLine {
  id: string;
  fileKey: string;
  outcome: MigrationOutcome;
  /** Bytes sent to the bucket for this file (0 when the object was already there). */
  bytes: number;
  detail: string;
}

export interface MigrationSummary {
  moved: number;
  skipped: number;
  failed: number;
  /** Bytes uploaded in this run. */
  bytes: number;
}

const PAGE = 500;

/**
 * Copies the files of successful backups held by the local store into the target bucket under the same key
 * and switches their records to it. The SHA-256 is computed while the bytes stream up; a file whose digest is
 * not the record's is aborted before commit (never visible in the bucket) and its record is left alone.
 * Resumable: records already pointing at the bucket are skipped, and an object already in the bucket whose
 * sha256 metadata matches the record is not sent again. The switch is a compare-and-set on the succeed
 * status, so a record deleted or expired meanwhile is not brought back. Local files are not removed here:
 * the storage clean-up pass of a service on that directory removes files no record of its store owns.
 */
export async function migrateStorage(deps: {
  store: MetadataStore;
  local: BlobStore;
  target: MigrationTarget;
  dryRun?: boolean;
  onLine?: (line: MigrationLine) => void;
}): Promise<MigrationSummary> {
  const { store, local, target } = deps;
  const summary: MigrationSummary = { moved: 0, skipped: 0, failed: 0, bytes: 0 };
  const report = (line: MigrationLine) => {
    if (line.outcome === 'moved' || line.outcome === 'would-move') summary.moved++;
    else summary[line.outcome]++;
    summary.bytes += line.bytes;
    deps.onLine?.(line);
  };
  let after = '';
  for (;;) {
    const page = await store.backups.filesAfter(after, PAGE);
    for (const { id, fileKey, fileKeys, storeId } of page) {
      if (storeId === target.id) {
        report({ id, fileKey, outcome: 'skipped', bytes: 0, detail: 'already served from the bucket' });
        continue;
      }
      // Records of another store (another node's directory) are not this directory's to move.
      if (storeId !== local.id && storeId !== null) continue;
      // A cluster backup owns one file per shard and has no whole-backup SHA-256 to check one file against:
      // its record stays on this directory (so the clean-up keeps every shard's file) until it can move whole.
      if (isClusterBackup(fileKey, fileKeys)) {
        report({
          id,
          fileKey,
          outcome: 'skipped',
          bytes: 0,
          detail: `a cluster backup (${fileKeys.length} shard files): not moved yet, still served from this directory`,
        });
        continue;
      }
      const size = await local.size(fileKey);
      if (size === undefined) {
        // An old record (no store recorded) whose file is not here may live on another node's disk.
        if (storeId === null) continue;
        report({
          id,
          fileKey,
          outcome: 'failed',
          bytes: 0,
          detail: 'the file is missing from this directory',
        });
        continue;
      }
      try {
        report(await migrateOne({ store, local, target, id, fileKey, size, dryRun: deps.dryRun ?? false }));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report({ id, fileKey, outcome: 'failed', bytes: 0, detail: message });
      }
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return summary;
}

/** One file per shard (<id>.shard-<n>-<first>-<last>.rdb): a cluster backup, even with a single shard. */
function isClusterBackup(fileKey: string, fileKeys: readonly string[]): boolean {
  return fileKeys.length !== 1 || fileKeys[0] !== fileKey || /\.shard-\d+-\d+-\d+\.rdb$/.test(fileKey);
}

async function migrateOne(args: {
  store: MetadataStore;
  local: BlobStore;
  target: MigrationTarget;
  id: string;
  fileKey: string;
  size: number;
  dryRun: boolean;
}): Promise<MigrationLine> {
  const { store, local, target, id, fileKey, size } = args;
  const stored = (await store.backups.findById(id))?.detail;
  const expected = stored?.sha256;
  if (!expected) {
    return {
      id,
      fileKey,
      outcome: 'failed',
      bytes: 0,
      detail: 'the record has no SHA-256 to check the file against',
    };
  }
  const metadata = {
    sha256: expected,
    'rdb-version': String(stored?.rdbVersion ?? ''),
    'backup-id': id,
  };
  const existing = await target.metadata(fileKey);
  // Trusted only whole: the checksum metadata is set on commit, and the size must be the local file's too.
  const uploaded = existing?.sha256 === expected && (await target.size(fileKey)) === size;
  if (args.dryRun) {
    const detail = uploaded ? 'already in the bucket, would switch the record' : `would upload ${size} bytes`;
    return { id, fileKey, outcome: 'would-move', bytes: 0, detail };
  }
  let bytes = 0;
  if (!uploaded) {
    const source = await local.open(fileKey);
    if (!source)
      return { id, fileKey, outcome: 'failed', bytes: 0, detail: 'the file vanished from this directory' };
    const hash = createHash('sha256');
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    const writer = await target.create(fileKey, { sizeHint: size });
    try {
      // The writer's stream is ended by commit() (or dropped by abort()), not by the pipeline.
      await pipeline(source, counter, writer.stream, { end: false });
    } catch (error) {
      await writer.abort().catch(() => undefined);
      throw error;
    }
    const digest = hash.digest('hex');
    if (digest !== expected) {
      await writer.abort();
      return {
        id,
        fileKey,
        outcome: 'failed',
        bytes: 0,
        detail: `the file's SHA-256 ${digest} is not the record's ${expected}: the file changed on disk; not switched`,
      };
    }
    await writer.commit(metadata);
  }
  const switched = await store.backups.transition(id, ['succeed'], 'succeed', {
    storeId: target.id,
    fileKey,
  });
  if (!switched) {
    // Deleted or expired while it was copied: the object has no owner, the bucket's clean-up pass removes it.
    return {
      id,
      fileKey,
      outcome: 'skipped',
      bytes,
      detail: 'the backup is no longer successful: not switched',
    };
  }
  const detail = uploaded
    ? 'already in the bucket with the same SHA-256, not sent again; switched'
    : `uploaded ${bytes} bytes, SHA-256 verified; switched`;
  return { id, fileKey, outcome: 'moved', bytes, detail };
}
