import type { CommandPipeline } from './command-pipeline.ts';
import { functionsPayload } from './dump-payload.ts';
import type { PreparedRestore } from './restore-preflight.ts';

const FUNCTIONS_SINCE_RDB = 10;

/**
 * Replaces the target's function libraries with the backup's, then empties its keyspace. The libraries go
 * first, and on their own: FUNCTION RESTORE … FLUSH compiles every library before it swaps them in, so a library
 * the target refuses fails the restore while the target still holds all its keys (and its old libraries).
 * FLUSHALL leaves libraries in place; with none in the backup, FUNCTION FLUSH removes the target's.
 */
export async function flushTarget(pipeline: CommandPipeline, prepared: PreparedRestore): Promise<number> {
  const { target, functions, plan } = prepared;
  if (target.rdbVersion >= FUNCTIONS_SINCE_RDB) {
    if (functions.length > 0) {
      await pipeline.send(
        ['FUNCTION', 'RESTORE', functionsPayload(functions, plan.footerVersion), 'FLUSH'],
        'FUNCTION RESTORE',
      );
    } else await pipeline.send(['FUNCTION', 'FLUSH'], 'FUNCTION FLUSH');
    await pipeline.drain();
  }
  await pipeline.send(['FLUSHALL'], 'FLUSHALL');
  return target.rdbVersion >= FUNCTIONS_SINCE_RDB ? functions.length : 0;
}
