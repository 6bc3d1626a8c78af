import type { CommandPipeline } from './command-pipeline.ts';
import { functionsPayload } from './dump-payload.ts';
import type { PreparedRestore } from './restore-preflight.ts';
import { FUNCTIONS_SINCE_RDB } from './target-probe.ts';

/**
 * Replaces the target's function libraries with the backup's, then empties its keyspace. The libraries go
 * first, and on their own: FUNCTION RESTORE … FLUSH compiles every library before it swaps them in, so a library
 * the target refuses fails the restore while the target still holds all its keys (and its old libraries).
 * FLUSHALL leaves libraries in place; with none in the backup, FUNCTION FLUSH removes the target's.
 */
export async function flushTarget(pipeline: CommandPipeline, prepared: FlushInput): Promise<number> {
  const libraries = await replaceFunctions(pipeline, prepared);
  await flushKeys(pipeline);
  return libraries;
}

/** What the flush needs of the pre-flight. */
export type FlushInput = Pick<PreparedRestore, 'target' | 'functions' | 'plan'>;

/** The libraries half of the flush: returns how many the target now has from the backup. */
export async function replaceFunctions(pipeline: CommandPipeline, prepared: FlushInput): Promise<number> {
  const { target, functions, plan } = prepared;
  if (target.rdbVersion < FUNCTIONS_SINCE_RDB) return 0;
  if (functions.length > 0) {
    await pipeline.send(
      ['FUNCTION', 'RESTORE', functionsPayload(functions, plan.footerVersion), 'FLUSH'],
      'FUNCTION RESTORE',
    );
  } else await pipeline.send(['FUNCTION', 'FLUSH'], 'FUNCTION FLUSH');
  await pipeline.drain();
  return functions.length;
}

/** The keys half: every database emptied. */
export async function flushKeys(pipeline: CommandPipeline): Promise<void> {
  await pipeline.send(['FLUSHALL'], 'FLUSHALL');
}
