import { inEachDestination, namedByDestination } from './destination-steps.ts';
import { describeSlotRanges } from '../../core/cluster-topology.ts';
import { AofCommandReader } from '../aof/aof-command-reader.ts';
import { AofLibraries, installLibrariesOnEach, isFunctionLoad } from './aof-libraries.ts';
import { keySlot } from '../../core/key-slot.ts';
import { classify, slotsOf } from './aof-routes.ts';
import { CommandKeys } from './command-keys.ts';
import { CommandPipeline, DEFAULT_PIPELINE_WINDOW, type PipelineWindow } from './command-pipeline.ts';
import type { DestinationReport } from './cluster-restore.ts';
import { countTargetKeys, KeyCountMismatch } from './restore-confirm.ts';
import { AofRouter, type SentCommand } from './aof-router.ts';
import { type Destination, openDestinations, type RoutedTarget, SlotRouter } from './restore-destinations.ts';
import { flushKeys } from './restore-flush.ts';
import { printable } from './restore-commands.ts';
import { RestoreRefused, type RestoreSource } from './restore-types.ts';
import { FUNCTIONS_SINCE_RDB } from './target-probe.ts';

/** Keys remembered to confirm each master's count; a file with more is loaded, its count not confirmed. */
const MAX_TRACKED_KEYS = 1_000_000;
/** Refusal reasons listed at most; the rest are counted. */
const MAX_PROBLEMS = 5;
/** Commands that never remove a key (so the key count after the load is known from the keys they name). */
const BUILDERS = new Set(
  (
    'SET SETNX SETEX PSETEX MSET MSETNX APPEND SETRANGE SETBIT INCR INCRBY INCRBYFLOAT DECR DECRBY GETSET ' +
    'RPUSH LPUSH LSET LINSERT SADD ZADD ZINCRBY HSET HMSET HSETNX HINCRBY HINCRBYFLOAT XADD XGROUP XSETID ' +
    'XCLAIM PFADD PFMERGE GEOADD RESTORE BITFIELD EXPIRE PEXPIRE EXPIREAT PEXPIREAT HPEXPIREAT HSETEX'
  ).split(' '),
);
/** Commands that give a key (or its fields) a time to live: the key may be gone by the count. */
const EXPIRING = new Set([
  'SETEX',
  'PSETEX',
  'EXPIRE',
  'PEXPIRE',
  'EXPIREAT',
  'PEXPIREAT',
  'HPEXPIREAT',
  'HSETEX',
]);

export interface RoutedAofOptions {
  /** The cluster's masters with their slots, or one standalone server (slots null). */
  targets: RoutedTarget[];
  /** AOF files (RESP command streams), loaded in turn after one flush. */
  sources: Pick<RestoreSource, 'sizeBytes' | 'open'>[];
  onProgress?: (bytes: number, total: number) => void;
  /** Called once the pre-flight passed, just before the masters are changed. */
  onStart?: () => void | Promise<void>;
  signal?: AbortSignal;
  window?: PipelineWindow;
  timeoutMs?: number;
}

export interface RoutedAofReport {
  commands: number;
  functionLibraries: number;
  /** Distinct keys the files name; null when too many to remember. */
  keys: number | null;
  warnings: string[];
  destinations: DestinationReport[];
}

/** What the pre-flight learned, for the load and the confirm. */
interface AofPlan {
  commands: number;
  functionLibraries: number;
  /** The slot of each command whose keys only the server can find, in file order ('skip': it names none). */
  movableRoutes: (number | 'skip')[];
  /** Per server: distinct keys named, and how many of them may expire by themselves. */
  keys: number[];
  mayVanish: number[];
  /** Why the key count cannot be confirmed; null when it can. */
  unconfirmable: string | null;
  /** The files' function libraries, put in on every master before the flush where they can be. */
  libraries: AofLibraries;
}

/**
 * An AOF (our AOF backups, or any RESP command stream `redis-cli --pipe` takes) into a cluster's masters, each
 * command to the master serving its key's slot, in the phases of the routed RDB restore (cluster-restore.ts):
 * - pre-flight, before anything is written: the whole file read once with the target's own command table
 *   (COMMAND, read once from one master; COMMAND GETKEYS for commands whose keys move), and refused for: bad
 *   RESP framing; SELECT of a database other than 0; a command whose keys span slots; a MULTI…EXEC block whose
 *   commands span slots or touch every master; a command the target does not know; a keyless command that is
 *   neither harmless (PING) nor one that belongs on every master (FUNCTION, SCRIPT, FLUSHALL);
 * - flush: the libraries and keys of every master (FUNCTION FLUSH, FLUSHALL);
 * - load: one pipeline per master, commands in file order; FUNCTION LOAD goes to every master; a block goes
 *   whole to its slot's master. -MOVED and -ASK are followed in file order (aof-router.ts);
 * - confirm: each master holds the distinct keys it was sent, give or take keys with a TTL, when the file only
 *   builds keys (otherwise a warning says why the count was not checked); after a redirection, the total over
 *   the masters.
 * With one standalone server (slots null) nothing is refused for slots or databases: every command goes to it.
 */
export async function restoreAofRouted(options: RoutedAofOptions): Promise<RoutedAofReport> {
  const { signal } = options;
  const window = options.window ?? DEFAULT_PIPELINE_WINDOW;
  // The RDB router only while connecting; the commands' own router (aof-router.ts) takes over the pipelines.
  const destinations = await openDestinations(
    options.targets,
    window,
    options.timeoutMs ?? 60_000,
    new SlotRouter(),
  );
  const router = new AofRouter(destinations);
  for (const destination of destinations) {
    // Commands are named by their first arguments in a refusal, formatted only then.
    destination.pipeline = new CommandPipeline(
      destination.connection,
      window,
      (label) => describeCommand(Array.isArray(label) ? label : (label as SentCommand).command),
      router.redirectHandler(destination),
    );
  }
  const onAbort = () => destinations.forEach((destination) => destination.connection.close());
  signal?.addEventListener('abort', onAbort);
  try {
    // Nothing is written yet: a master that will not tell its commands (COMMAND renamed) refuses the load.
    const commandKeys = await CommandKeys.read(destinations[0]!.connection).catch((error: unknown) => {
      throw new RestoreRefused(
        `${destinations[0]!.name} did not give its command table: ${(error as Error).message}`,
      );
    });
    const plan = await preflight(options, destinations, commandKeys, (keys) => router.serversOf(keys));
    await options.onStart?.();

    // The libraries go in on every master first, while the keys are still there: a library one master refuses
    // refuses the load with every master's keys and former libraries in place.
    const librariesAhead =
      plan.libraries.installableAhead &&
      destinations.every((destination) => destination.target.rdbVersion >= FUNCTIONS_SINCE_RDB);
    if (librariesAhead) await installLibrariesOnEach(destinations, plan.libraries.code);
    await inEachDestination(destinations, async (destination) => {
      if (!librariesAhead && destination.target.rdbVersion >= FUNCTIONS_SINCE_RDB) {
        await destination.pipeline.send(['FUNCTION', 'FLUSH'], 'FUNCTION FLUSH');
      }
      await flushKeys(destination.pipeline);
      await destination.pipeline.drain();
    });
    await replay(options, destinations, commandKeys, router, plan.movableRoutes, librariesAhead);

    const warnings: string[] = [];
    if (plan.unconfirmable) warnings.push(`the key count was not confirmed: ${plan.unconfirmable}`);
    if (!plan.unconfirmable && router.redirected) {
      // Commands went to other masters than planned: the total over the masters is what is known.
      const given = plan.keys.reduce((a, b) => a + b, 0);
      const mayVanish = plan.mayVanish.reduce((a, b) => a + b, 0);
      let held = 0;
      for (const destination of destinations) held += await countTargetKeys(destination.connection);
      if (held < given - mayVanish) {
        throw new KeyCountMismatch(`the masters hold ${held} keys after the load, and were sent ${given}`);
      }
      if (held > given) {
        warnings.push(
          `the masters hold ${held} keys after the load, and were sent ${given}: something else wrote to them meanwhile`,
        );
      }
    }
    await inEachDestination(destinations, async (destination, index) => {
      if (plan.unconfirmable || router.redirected) return;
      const held = await countTargetKeys(destination.connection);
      const given = plan.keys[index]!;
      if (held < given - plan.mayVanish[index]!) {
        throw new KeyCountMismatch(
          `${destination.name} holds ${held} keys after the load, and was sent ${given}`,
        );
      }
      if (held > given) {
        warnings.push(
          `${destination.name} holds ${held} keys after the load, and was sent ${given}: something else wrote to it meanwhile`,
        );
      }
    });
    return {
      commands: plan.commands,
      functionLibraries: plan.functionLibraries,
      keys: plan.unconfirmable ? null : plan.keys.reduce((a, b) => a + b, 0),
      warnings,
      destinations: destinations.map((destination, index) => ({
        address: destination.address,
        slots: destination.slots === null ? null : describeSlotRanges(destination.slots),
        keys: plan.keys[index]!,
      })),
    };
  } catch (error) {
    throw namedByDestination(error, destinations, router.problem);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const destination of destinations) destination.connection.close();
  }
}

/** Reads every file once; throws RestoreRefused with the reasons found, before anything is written. */
async function preflight(
  options: RoutedAofOptions,
  destinations: Destination[],
  commandKeys: CommandKeys,
  owner: (keys: readonly Buffer[]) => number[],
): Promise<AofPlan> {
  const clustered = destinations[0]!.slots !== null;
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  for (const destination of destinations) {
    if (clustered && !destination.target.clusterEnabled)
      problem(`${destination.name} does not run in cluster mode`);
  }
  const maxArgument = Math.min(...destinations.map((destination) => destination.target.protoMaxBulkLen));
  const plan: AofPlan = {
    commands: 0,
    functionLibraries: 0,
    movableRoutes: [],
    keys: destinations.map(() => 0),
    mayVanish: destinations.map(() => 0),
    unconfirmable: null,
    libraries: new AofLibraries(),
  };
  const seen = new Set<string>();
  const expiring = new Set<string>();
  /** The open MULTI block: where it started, and the servers and slots its commands touch. */
  let block: { at: number; slots: Set<number>; everyServer: boolean } | null = null;

  const noteKeys = (name: string, keys: readonly Buffer[], server: number) => {
    if (plan.unconfirmable === null && !BUILDERS.has(name)) {
      plan.unconfirmable = `the file has ${name}, which may remove keys`;
    }
    for (const key of keys) {
      if (plan.unconfirmable !== null) return;
      const text = key.toString('latin1');
      if (!seen.has(text)) {
        if (seen.size >= MAX_TRACKED_KEYS) {
          plan.unconfirmable = `the file names more than ${MAX_TRACKED_KEYS} keys, too many to remember`;
          return;
        }
        seen.add(text);
        plan.keys[server]!++;
      }
      if (EXPIRING.has(name) && !expiring.has(text)) {
        expiring.add(text);
        plan.mayVanish[server]!++;
      }
    }
  };

  const check = async (command: Buffer[], at: number) => {
    plan.commands++;
    const name = command[0]!.toString('latin1').toUpperCase();
    for (const arg of command) {
      if (arg.length > maxArgument) {
        problem(
          `an argument of ${arg.length} bytes (near byte ${at}) is above the target's proto-max-bulk-len (${maxArgument})`,
        );
        break;
      }
    }
    const what = classify(command, commandKeys, clustered);
    if (name === 'FUNCTION' && command[1]?.toString('latin1').toUpperCase() === 'LOAD')
      plan.functionLibraries++;
    plan.libraries.note(command);
    switch (what.kind) {
      case 'multi':
        if (block) problem(`MULTI inside MULTI near byte ${at}`);
        block = { at, slots: new Set(), everyServer: false };
        return;
      case 'exec':
        if (!block) problem(`${name} without MULTI near byte ${at}`);
        else if (clustered && (block.everyServer || block.slots.size > 1)) {
          problem(
            `the MULTI block near byte ${block.at} ${block.everyServer ? 'has a command for every master' : `spans slots ${[...block.slots].slice(0, 4).join(', ')}`}: a cluster runs a transaction within one slot`,
          );
        }
        block = null;
        return;
      case 'select':
        if (clustered && what.db !== 0) {
          problem(
            `the file selects database ${command[1]!.toString('latin1')} (near byte ${at}); a cluster has database 0 only`,
          );
        }
        return;
      case 'skip':
        return;
      case 'all':
        if (block) (block as { everyServer: boolean }).everyServer = true;
        if (!BUILDERS.has(name) && name !== 'FUNCTION' && name !== 'SCRIPT') noteKeys(name, [], 0);
        return;
      case 'unknown':
        problem(`the target does not know the command ${printable(command[0]!)} (near byte ${at})`);
        return;
      case 'keyless':
        if (clustered) {
          problem(
            `${describeCommand(command)} (near byte ${at}) names no key, so no master of the cluster is its place`,
          );
        }
        return;
      case 'movable':
      case 'keys': {
        const keys = what.kind === 'keys' ? what.keys : await commandKeys.serverKeysOf(command);
        const servers = owner(keys);
        const slots = slotsOf(keys);
        if (clustered && slots.length > 1) {
          problem(
            `${describeCommand(command)} (near byte ${at}) has keys in ${slots.length} slots (${slots.slice(0, 4).join(', ')}): a cluster takes a command within one slot`,
          );
        }
        if (block) for (const slot of slots) (block as { slots: Set<number> }).slots.add(slot);
        const server = servers[0] ?? 0;
        if (what.kind === 'movable')
          plan.movableRoutes.push(keys.length === 0 ? (clustered ? 'skip' : 0) : server);
        if (clustered && keys.length === 0) {
          problem(
            `${describeCommand(command)} (near byte ${at}) names no key, so no master of the cluster is its place`,
          );
        }
        noteKeys(name, keys, server);
        return;
      }
    }
  };

  for (const source of options.sources) {
    const reader = new AofCommandReader();
    try {
      for await (const chunk of (await source.open()) as AsyncIterable<Buffer>) {
        if (options.signal?.aborted) throw new Error('the restore was cancelled');
        for (const command of reader.push(chunk)) await check(command, reader.offset);
      }
      reader.finish();
    } catch (error) {
      // Nothing was written yet: whatever stops this read leaves the target untouched.
      if (options.signal?.aborted) throw error;
      throw new RestoreRefused((error as Error).message);
    }
    if (block) problem(`the file ends inside the MULTI block near byte ${(block as { at: number }).at}`);
  }
  if (problemCount > 0) {
    const more = problemCount > problems.length ? ` (and ${problemCount - problems.length} more)` : '';
    throw new RestoreRefused(problems.join('; ') + more);
  }
  return plan;
}

/**
 * Sends every command of every file to its master, in file order (through the router, which follows
 * redirections); a MULTI block whole to its slot's master.
 */
async function replay(
  options: RoutedAofOptions,
  destinations: Destination[],
  commandKeys: CommandKeys,
  router: AofRouter,
  movableRoutes: (number | 'skip')[],
  librariesAhead: boolean,
): Promise<void> {
  const clustered = destinations[0]!.slots !== null;
  const total = options.sources.reduce((sum, source) => sum + source.sizeBytes, 0);
  let movable = 0;
  let bytes = 0;
  let seq = 0;
  let block: Buffer[][] | null = null;
  let blockSlot: number | null = null;

  /** Where a command goes: one slot's master, every master, or nowhere (see classify). */
  const routeOf = (command: Buffer[]): number | 'all' | 'skip' => {
    if (librariesAhead && isFunctionLoad(command)) return 'skip'; // already on every master
    const what = classify(command, commandKeys, clustered);
    switch (what.kind) {
      case 'keys':
        return keySlot(what.keys[0]!);
      case 'movable':
        return movableRoutes[movable++]!;
      case 'all':
        return 'all';
      case 'select':
        return clustered ? 'skip' : 'all';
      case 'skip':
        return 'skip';
      default:
        // Keyless commands were refused for a cluster in the pre-flight; one server takes them as they are.
        return clustered ? 'skip' : 0;
    }
  };
  const sendToAll = async (command: Buffer[]) => {
    for (const destination of destinations) {
      const wait = destination.pipeline.send(command, command);
      if (wait) await wait;
    }
  };

  for (const source of options.sources) {
    const reader = new AofCommandReader({ copy: false });
    for await (const chunk of (await source.open()) as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new Error('the restore was cancelled');
      bytes += chunk.length;
      for (const command of reader.push(chunk)) {
        const name = command[0]!.toString('latin1').toUpperCase();
        if (name === 'MULTI') {
          block = [copied(command)];
          blockSlot = null;
          continue;
        }
        if (block) {
          // Held until EXEC, with arguments of its own (the read buffer is not kept).
          block.push(copied(command));
          if (name === 'EXEC' || name === 'DISCARD') {
            const server = blockSlot === null ? 0 : router.serverOfSlot(blockSlot);
            // Whatever of this slot waits behind a redirection goes first.
            if (blockSlot !== null) await router.settle();
            for (const held of block) {
              const wait = destinations[server]!.pipeline.send(held, held);
              if (wait) await wait;
            }
            block = null;
          } else {
            const route = routeOf(command);
            if (typeof route === 'number') blockSlot = route;
          }
          continue;
        }
        const route = routeOf(command);
        if (route === 'skip') continue;
        if (route === 'all') await sendToAll(command);
        else await router.send({ seq: seq++, command }, route);
      }
      options.onProgress?.(bytes, total);
    }
    reader.finish();
    await router.settle();
  }
}

function copied(command: Buffer[]): Buffer[] {
  return command.map((arg) => Buffer.from(arg));
}

function describeCommand(command: readonly Buffer[]): string {
  const name = command[0]!.toString('latin1');
  return command.length > 1 ? `${name} of key "${printable(command[1]!)}"` : name;
}
