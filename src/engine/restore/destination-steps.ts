import { RedisWireError } from '../resp/redis-wire-error.ts';
import { CommandRefused } from './command-pipeline.ts';
import type { Destination } from './restore-destinations.ts';
import { RestoreRefused } from './restore-types.ts';

/** Runs the step on every server at once; the first failure is thrown once all have ended. */
export async function inEachDestination(
  destinations: Destination[],
  step: (destination: Destination, index: number) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(destinations.map(step));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The same error, its message saying which server it happened on. `routerProblem` is what a router could not
 * follow (a redirect to a node that was no master at the start): it explains the failure better than the error.
 */
export function namedByDestination(
  error: unknown,
  destinations: Destination[],
  routerProblem: string | null,
): unknown {
  if (!(error instanceof Error) || error instanceof RestoreRefused) return error;
  if (routerProblem) return new CommandRefused(routerProblem);
  const failing = destinations.find((destination) => destination.pipeline?.failure === error);
  const where = failing && !error.message.includes(failing.name) ? `${failing.name}: ` : '';
  if (!where) return error;
  if (error instanceof RedisWireError) return new RedisWireError(error.kind, `${where}${error.message}`);
  if (error instanceof CommandRefused) return new CommandRefused(`${where}${error.message}`);
  error.message = `${where}${error.message}`;
  return error;
}
