import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BackupRecord } from '../backup-record.ts';
import type { MetadataStore } from '../ports.ts';

/** All of an instance's backup records at one listing version, in the listing's order (newest first). */
export interface InstanceRecords {
  version: string;
  records: BackupRecord[];
}

/** What readInstanceRecords answers for an instance with more records than asked for at most. */
export const TOO_MANY_RECORDS = 'too many records';

/**
 * Reads every backup record of an instance, a chunk at a time with a turn of the event loop between chunks so
 * requests go on being served. Chunks are separate reads: the result is kept only if the listing version
 * (bumped in the same transaction as every write to the instance's records) is the same after the last chunk
 * as before the first, which means no write landed in between. Undefined when one did, or when the instance
 * is gone; TOO_MANY_RECORDS as soon as the instance is seen to hold more than maxRecords (nothing more is read).
 */
export async function readInstanceRecords(
  store: MetadataStore,
  instanceId: string,
  { chunk = 1000, maxRecords = Infinity }: { chunk?: number; maxRecords?: number } = {},
): Promise<InstanceRecords | typeof TOO_MANY_RECORDS | undefined> {
  const before = await store.instances.listingVersion(instanceId);
  if (before === undefined) return undefined;
  const records: BackupRecord[] = [];
  for (;;) {
    const page = await store.backups.list({ instanceId, limit: chunk, offset: records.length });
    if (page.total > maxRecords) return TOO_MANY_RECORDS;
    records.push(...page.records);
    if (page.records.length < chunk) break;
    await nextTurn();
  }
  const after = await store.instances.listingVersion(instanceId);
  if (after?.version !== before.version) return undefined;
  return { version: before.version, records };
}
