import { CLUSTER_SLOT_COUNT } from '../../core/cluster-topology.ts';
import { keySlot } from '../../core/key-slot.ts';
import type { CommandLabel } from './command-pipeline.ts';
import type { Destination } from './restore-destinations.ts';

/** A command of the file as its pipeline label: its place in the file, so a redirected one is re-sent in order. */
export interface SentCommand {
  seq: number;
  command: Buffer[];
}

interface Redirected extends SentCommand {
  to: Destination;
  asking: boolean;
}

/** Redirected commands held at most before the load waits to re-send them (memory stays bounded). */
const MAX_HELD = 10_000;

/**
 * Sends each command of an AOF to the master serving its slot, and follows the cluster's redirections as the
 * routed RDB restore does (restore-destinations.ts SlotRouter), keeping the file's order within a slot: a
 * command answered -MOVED (the slot moved for good) or -ASK (the slot is migrating) is held with its place in
 * the file, and so is every later command of that slot, until every pipeline has answered; then they are sent,
 * in file order, to the node named (with ASKING for -ASK). A MULTI block is not sent again (a redirected command
 * inside it aborts the transaction), nor anything sent to a node that was no master when the load began: those
 * fail the load naming the shard.
 */
export class AofRouter {
  readonly #owner = new Int32Array(CLUSTER_SLOT_COUNT).fill(-1);
  readonly #destinations: Destination[];
  /** Slots with redirected commands not re-sent yet: later commands of theirs wait too. */
  readonly #held = new Map<number, { to: Destination; asking: boolean }>();
  #pending: Redirected[] = [];
  #problem: string | null = null;
  #redirected = false;

  constructor(destinations: Destination[]) {
    this.#destinations = destinations;
    for (const [index, destination] of destinations.entries()) {
      for (const [first, last] of destination.slots ?? []) this.#owner.fill(index, first, last + 1);
    }
  }

  get problem(): string | null {
    return this.#problem;
  }

  /** Whether any command went to another master than planned (each master's key count is then unknown). */
  get redirected(): boolean {
    return this.#redirected;
  }

  /** The masters serving the keys' slots, each once (the one server when it is standalone). */
  serversOf(keys: readonly Buffer[]): number[] {
    if (this.#destinations[0]!.slots === null) return [0];
    return [...new Set(keys.map((key) => this.#owner[keySlot(key)]!))];
  }

  /** The master now serving a slot. */
  serverOfSlot(slot: number): number {
    return this.#destinations[0]!.slots === null ? 0 : this.#owner[slot]!;
  }

  /** Sends a command of one slot to its master, or holds it behind that slot's redirected commands. */
  async send(sent: SentCommand, slot: number): Promise<void> {
    const held = this.#held.get(slot);
    if (held) {
      this.#pending.push({ seq: sent.seq, command: copied(sent.command), ...held });
      if (this.#pending.length >= MAX_HELD) await this.settle();
      return;
    }
    const wait = this.#destinations[this.serverOfSlot(slot)]!.pipeline.send(sent.command, sent);
    if (wait) await wait;
  }

  redirectHandler(from: Destination): (label: CommandLabel, message: string) => boolean {
    return (label, message) => {
      const [kind, slotText, address] = message.split(' ');
      const slot = Number(slotText);
      const to = this.#destinations.find((destination) => destination.address === address);
      if (!to) {
        this.#problem ??= `${from.name}: slot ${slot} is now served by ${address}, which was not a master of the cluster when the load began (a failover or a change of the cluster during the load); the target's data is incomplete`;
        return false;
      }
      if (typeof label !== 'object' || !('seq' in label)) {
        this.#problem ??= `${from.name}: slot ${slot} moved to ${address} while a MULTI block was sent to it, which cannot be sent again; the target's data is incomplete`;
        return false;
      }
      const asking = kind === 'ASK';
      if (!asking) this.#owner[slot] = this.#destinations.indexOf(to);
      this.#held.set(slot, { to, asking });
      const { seq, command } = label as SentCommand;
      this.#pending.push({ seq, command: copied(command), to, asking });
      this.#redirected = true;
      return true;
    };
  }

  /** Waits for every master's answers, re-sending the held commands in file order until none are left. */
  async settle(): Promise<void> {
    for (;;) {
      await Promise.all(this.#destinations.map((destination) => destination.pipeline.drain()));
      if (this.#pending.length === 0) break;
      const batch = this.#pending.sort((a, b) => a.seq - b.seq);
      this.#pending = [];
      for (const { seq, command, to, asking } of batch) {
        if (asking) await to.pipeline.send(['ASKING'], 'ASKING');
        const wait = to.pipeline.send(command, { seq, command });
        if (wait) await wait;
      }
    }
    this.#held.clear();
  }
}

/** Arguments of its own: a held command must not depend on the read buffer it was a view of. */
function copied(command: Buffer[]): Buffer[] {
  return command.map((arg) => Buffer.from(arg));
}
