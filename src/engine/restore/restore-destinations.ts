import { randomBytes } from 'node:crypto';
import { CLUSTER_SLOT_COUNT, describeSlotRanges, type SlotRange } from '../../core/cluster-topology.ts';
import type { RedisEndpoint } from '../../core/instance.ts';
import { keyInSlots, keySlot } from '../../core/key-slot.ts';
import type { RdbKeyRecord } from '../rdb/rdb-reader.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { CommandPipeline, type CommandLabel, type PipelineWindow } from './command-pipeline.ts';
import { encodedOptions, restoreLabel } from './restore-commands.ts';
import { emptyLoadResult, FIELD_EXPIRY_TYPES, type KeyDestination } from './restore-load.ts';
import type { RestorePlan } from './restore-plan.ts';
import { probeTarget } from './target-probe.ts';

/** A server a restore writes into: a cluster master with the slots it serves, or one standalone server. */
export interface RoutedTarget {
  endpoint: RedisEndpoint;
  /** The slots this master serves; null for a standalone server, which takes every key in its database. */
  slots: SlotRange[] | null;
}

/** One target server during a routed restore: its connection, pipeline and what it was given. */
export interface Destination extends KeyDestination {
  /** "shard 2 (127.0.0.1:7002, slots 10923-16383)": how messages name it. */
  name: string;
  /** host:port, as cluster redirections name nodes. */
  address: string;
  slots: SlotRange[] | null;
  connection: RespConnection;
  /** The plan for each source file, in source order; `plan` is the one of the file being loaded. */
  plans: RestorePlan[];
  /** A key in the server's own slots, for probes that must not be redirected. */
  probeKey: string;
}

/**
 * Connects to every target server and reads what restore must know of it (target-probe.ts), each probe on a
 * key of the server's own slots. Closes what it opened when one fails.
 */
export async function openDestinations(
  targets: readonly RoutedTarget[],
  window: PipelineWindow,
  timeoutMs: number,
  router: SlotRouter,
): Promise<Destination[]> {
  const opened: Destination[] = [];
  try {
    for (const [index, target] of targets.entries()) {
      const connection = await RespConnection.open(target.endpoint, timeoutMs);
      const address = `${target.endpoint.host}:${target.endpoint.port}`;
      const name =
        target.slots === null
          ? `the target (${address})`
          : `shard ${index} (${address}, slots ${describeSlotRanges(target.slots)})`;
      const tag = randomBytes(6).toString('hex');
      const probeKey =
        target.slots === null
          ? `dcs-backup:probe:${tag}`
          : keyInSlots(`dcs-backup:probe:${tag}:`, target.slots);
      const destination: Destination = {
        name,
        address,
        slots: target.slots,
        connection,
        probeKey,
        plans: [],
        // Set from the probe below, and per file before it is loaded.
        plan: undefined as unknown as RestorePlan,
        target: undefined as unknown as Destination['target'],
        db: 0,
        result: emptyLoadResult(),
        pipeline: undefined as unknown as CommandPipeline,
      };
      opened.push(destination);
      await authenticate(connection, target.endpoint);
      destination.target = await probeTarget(connection, probeKey);
      destination.pipeline = new CommandPipeline(
        connection,
        window,
        (label) => restoreLabel(label as RdbKeyRecord, null),
        router.redirectHandler(destination),
      );
    }
    router.assign(opened);
    return opened;
  } catch (error) {
    for (const destination of opened) destination.connection.close();
    throw error;
  }
}

interface Redirected {
  record: RdbKeyRecord & { value: Buffer };
  from: Destination;
  to: Destination;
  asking: boolean;
}

/**
 * Sends each key to the master serving its slot, and follows the cluster's redirections: a key answered with
 * -MOVED (the slot has moved for good: later keys of that slot go there too) or -ASK (the slot is being
 * migrated: this key goes there, announced with ASKING) is written again into the node named, once the load
 * of the current file has been sent. A redirection to a node that was no master when the restore began means
 * the cluster failed over or changed shape mid-restore: that is not followed, and the restore fails naming the
 * shard. Keys rebuilt with commands or streamed from the file are not kept after sending and so cannot be
 * sent again: a redirection of one of them fails the restore too.
 */
export class SlotRouter {
  readonly #owner = new Int32Array(CLUSTER_SLOT_COUNT).fill(-1);
  #destinations: Destination[] = [];
  #pending: Redirected[] = [];
  #problem: string | null = null;

  /** Why a redirection was not followed, for the restore's failure message. */
  get problem(): string | null {
    return this.#problem;
  }

  assign(destinations: Destination[]): void {
    this.#destinations = destinations;
    for (const [index, destination] of destinations.entries()) {
      for (const [first, last] of destination.slots ?? []) this.#owner.fill(index, first, last + 1);
    }
  }

  /** The server a key goes into: the owner of its slot, or the one standalone server. */
  readonly destinationFor = (record: RdbKeyRecord): Destination => {
    const only = this.#destinations[0]!;
    if (only.slots === null) return only;
    return this.#destinations[this.#owner[keySlot(record.key)]!]!;
  };

  redirectHandler(from: Destination): (label: CommandLabel, message: string) => boolean {
    return (label, message) => {
      const [kind, slotText, address] = message.split(' ');
      const slot = Number(slotText);
      const to = this.#destinations.find((destination) => destination.address === address);
      if (!to) {
        this.#problem ??= `${from.name}: slot ${slot} is now served by ${address}, which was not a master of the cluster when the restore began (a failover or a change of the cluster during the restore); the target's data is incomplete`;
        return false;
      }
      if (!isHeldRestore(label)) {
        this.#problem ??= `${from.name}: slot ${slot} moved to ${address} while a key rebuilt with commands or streamed from the file was written into it, which cannot be sent again; the target's data is incomplete`;
        return false;
      }
      if (kind === 'MOVED') this.#owner[slot] = this.#destinations.indexOf(to);
      this.#pending.push({ record: label, from, to, asking: kind === 'ASK' });
      return true;
    };
  }

  /** Sends the redirected keys to the nodes named; true when there were any (their answers may redirect again). */
  async resendRedirected(): Promise<boolean> {
    const batch = this.#pending;
    this.#pending = [];
    for (const { record, from, to, asking } of batch) {
      const vanishes = record.expireAtMs !== null || FIELD_EXPIRY_TYPES.has(record.type) ? 1 : 0;
      from.result.keysWritten--;
      from.result.keysThatMayVanish -= vanishes;
      to.result.keysWritten++;
      to.result.keysThatMayVanish += vanishes;
      if (asking) await to.pipeline.send(['ASKING'], 'ASKING');
      const wait = to.pipeline.sendRestore(
        record.key,
        record.expireAtMs ?? 0,
        record.type,
        record.value,
        to.plan.footerVersion,
        encodedOptions(record),
        record,
      );
      if (wait) await wait;
    }
    return batch.length > 0;
  }

  /** Waits for every server's answers, sending redirected keys on until none are left. */
  async settle(): Promise<void> {
    do {
      await Promise.all(this.#destinations.map((destination) => destination.pipeline.drain()));
    } while (await this.resendRedirected());
  }
}

/** A RESTORE whose label is its key's record with the value held: it can be sent again. */
function isHeldRestore(label: CommandLabel): label is RdbKeyRecord & { value: Buffer } {
  return typeof label === 'object' && 'key' in label && Buffer.isBuffer((label as RdbKeyRecord).value);
}
