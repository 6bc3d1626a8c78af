import type { RespConnection } from '../resp/resp-connection.ts';
import { FIELD_EXPIRY_TYPES } from './restore-load.ts';
import type { BackupContent } from './restore-plan.ts';
import { typeName } from '../rdb/rdb-types.ts';

/** How many keys the target should hold after a restore, and how many of them it may have dropped by itself. */
export interface ExpectedKeys {
  keys: number;
  mayVanish: number;
}

/** What the file holds (empty collections left out, as every loader leaves them out). */
export function expectedFromContent(content: BackupContent): ExpectedKeys {
  const keys = Object.values(content.keysPerDb).reduce((a, b) => a + b, 0);
  const magic = content.magic ?? 'REDIS';
  const fieldExpiryNames = new Set([...FIELD_EXPIRY_TYPES].map((type) => typeName(magic, type)));
  const fieldExpiryHashes = Object.entries(content.keysPerType ?? {})
    .filter(([name]) => fieldExpiryNames.has(name))
    .reduce((sum, [, n]) => sum + n, 0);
  return { keys, mayVanish: content.keysWithExpiry + fieldExpiryHashes };
}

/** Keys the target holds in all its databases (INFO keyspace). */
export async function countTargetKeys(connection: RespConnection): Promise<number> {
  const reply = await connection.call('INFO', 'keyspace');
  const text = reply.type === 'bulk' ? reply.value : '';
  return [...text.matchAll(/^db\d+:keys=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * The confirm phase: the target must hold what was restored, give or take keys that expire. Fewer keys means
 * data is missing (evicted under maxmemory, or lost): an error. More means something else wrote to the target
 * meanwhile: returned as a warning.
 */
export async function confirmKeyCount(
  connection: RespConnection,
  expected: ExpectedKeys,
  what: string,
): Promise<string | null> {
  const held = await countTargetKeys(connection);
  if (held < expected.keys - expected.mayVanish) {
    throw new KeyCountMismatch(`the target holds ${held} keys after ${what}, the backup ${expected.keys}`);
  }
  if (held > expected.keys) {
    return `the target holds ${held} keys after ${what}, the backup ${expected.keys}: something else wrote to it meanwhile`;
  }
  return null;
}

/** The target does not hold what it was given. */
export class KeyCountMismatch extends Error {
  override name = 'KeyCountMismatch';
}
