import { keySlot } from '../../core/key-slot.ts';
import type { CommandKeys } from './command-keys.ts';

/** What a command is, for routing; `keys` only for commands that name keys. */
export type CommandKind =
  | { kind: 'multi' | 'exec' | 'skip' | 'all' | 'unknown' | 'keyless' }
  | { kind: 'select'; db: number }
  | { kind: 'keys'; keys: Buffer[] }
  | { kind: 'movable' };

/** Commands that change what every server holds and have no key: sent to every master at their place. */
const EVERY_SERVER = new Set(['FUNCTION', 'SCRIPT', 'FLUSHALL', 'FLUSHDB']);
/** Commands without keys that change nothing a load cares about. */
const HARMLESS = new Set(['PING', 'ECHO']);

/**
 * Sorts a command by how it is routed. A key command's keys come from the target's table; a command whose keys
 * move with its arguments is 'movable' (the pre-flight asks the server, once, and keeps the answer for the load).
 */
export function classify(command: readonly Buffer[], keys: CommandKeys, clustered: boolean): CommandKind {
  const name = command[0]!.toString('latin1').toUpperCase();
  if (name === 'MULTI') return { kind: 'multi' };
  if (name === 'EXEC' || name === 'DISCARD') return { kind: 'exec' };
  if (name === 'SELECT') return { kind: 'select', db: Number(command[1]?.toString('latin1') ?? 'NaN') };
  if (HARMLESS.has(name)) return { kind: clustered ? 'skip' : 'all' };
  if (EVERY_SERVER.has(name)) return { kind: 'all' };
  const found = keys.staticKeysOf(command);
  if (found === null) return { kind: 'unknown' };
  if (found === 'movable') return { kind: 'movable' };
  return found.length === 0 ? { kind: 'keyless' } : { kind: 'keys', keys: found };
}

/** The slots of a command's keys, each once. */
export function slotsOf(keys: readonly Buffer[]): number[] {
  const slots = new Set<number>();
  for (const key of keys) slots.add(keySlot(key));
  return [...slots];
}
