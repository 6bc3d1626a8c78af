import type { RespConnection, RespReply } from '../resp/resp-connection.ts';
import { encodeBinaryCommand } from './resp-command.ts';

/** Where a command's keys are among its arguments, as the server's COMMAND reply says (legacy range). */
interface KeyRange {
  first: number;
  /** Negative: counted from the end (-1 is the last argument). */
  last: number;
  step: number;
  /** The range does not say all: the server must be asked (COMMAND GETKEYS). */
  movable: boolean;
}

/**
 * The keys of any command, as the target itself finds them: its COMMAND table (first key, last key, step; a
 * container command such as XGROUP by its subcommands), read once; a command whose keys move with its arguments
 * (EVAL, ZUNIONSTORE, SORT … STORE) is asked of the server with COMMAND GETKEYS. The table is the target's own,
 * so a module command or a newer version's command is found the way that server finds it.
 */
export class CommandKeys {
  readonly #ranges: Map<string, KeyRange>;
  readonly #connection: RespConnection;

  private constructor(connection: RespConnection, ranges: Map<string, KeyRange>) {
    this.#connection = connection;
    this.#ranges = ranges;
  }

  static async read(connection: RespConnection): Promise<CommandKeys> {
    const reply = await connection.call('COMMAND');
    if (reply.type !== 'array') throw new Error(`COMMAND answered ${describe(reply)}`);
    const ranges = new Map<string, KeyRange>();
    for (const entry of reply.value) addEntry(ranges, entry);
    return new CommandKeys(connection, ranges);
  }

  /** The name the table knows a command by: "xgroup|create" for a subcommand, else "set". */
  nameOf(command: readonly Buffer[]): string | null {
    const name = command[0]!.toString('latin1').toLowerCase();
    if (command.length > 1) {
      const sub = `${name}|${command[1]!.toString('latin1').toLowerCase()}`;
      if (this.#ranges.has(sub)) return sub;
    }
    return this.#ranges.has(name) ? name : null;
  }

  /**
   * The command's keys from the table: null when the target does not know the command, 'movable' when only the
   * server can say (serverKeysOf).
   */
  staticKeysOf(command: readonly Buffer[]): Buffer[] | 'movable' | null {
    const name = this.nameOf(command);
    if (name === null) return null;
    const range = this.#ranges.get(name)!;
    if (range.movable) return 'movable';
    if (range.first <= 0 || range.step <= 0) return [];
    const last = range.last < 0 ? command.length + range.last : range.last;
    const keys: Buffer[] = [];
    for (let i = range.first; i <= last && i < command.length; i += range.step) keys.push(command[i]!);
    return keys;
  }

  /** The keys of a command whose keys move with its arguments, as the server finds them (COMMAND GETKEYS). */
  async serverKeysOf(command: readonly Buffer[]): Promise<Buffer[]> {
    return this.#getKeys(command);
  }

  async #getKeys(command: readonly Buffer[]): Promise<Buffer[]> {
    this.#connection.writeNow(encodeBinaryCommand(['COMMAND', 'GETKEYS', ...command]));
    const reply = await this.#connection.readReply('COMMAND GETKEYS');
    // "Invalid arguments" or "The command has no key arguments": a command without keys here.
    if (reply.type === 'error') {
      if (/no key arguments/i.test(reply.value)) return [];
      throw new Error(`the target cannot find the keys of ${command[0]!.toString('latin1')}: ${reply.value}`);
    }
    if (reply.type !== 'array') return [];
    return reply.value.map((item) => (item.type === 'bulk' ? item.raw : Buffer.from(String(item.value))));
  }
}

/** One COMMAND entry: [name, arity, flags, first, last, step, …, subcommands (Redis 7)]. */
function addEntry(ranges: Map<string, KeyRange>, entry: RespReply): void {
  if (entry.type !== 'array' || entry.value.length < 6) return;
  const [name, , flags, first, last, step] = entry.value;
  if (name?.type !== 'bulk' && name?.type !== 'simple') return;
  const flagNames = flags?.type === 'array' ? flags.value.map((flag) => String(flag.value)) : [];
  ranges.set(String(name.value).toLowerCase(), {
    first: Number(first!.value),
    last: Number(last!.value),
    step: Number(step!.value),
    movable: flagNames.includes('movablekeys'),
  });
  const subcommands = entry.value[9];
  if (subcommands?.type === 'array') for (const sub of subcommands.value) addEntry(ranges, sub);
}

function describe(reply: RespReply): string {
  return reply.type === 'error' ? reply.value : reply.type;
}
