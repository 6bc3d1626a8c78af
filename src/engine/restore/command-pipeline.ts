import { RedisWireError } from '../resp/redis-wire-error.ts';
import type { RespConnection, RespReply } from '../resp/resp-connection.ts';
import { type Arg, encodeBinaryCommand } from './resp-command.ts';

export interface PipelineWindow {
  /** Commands sent and not yet answered, at most. */
  commands: number;
  /** Bytes sent and not yet answered, at most (a large payload alone may exceed it). */
  bytes: number;
}

/** A command the target refused; restore stops at the first one rather than leave a partial copy unnoticed. */
export class CommandRefused extends Error {
  override name = 'CommandRefused';
}

/**
 * Sends commands without waiting for each reply, up to a bounded window, and checks every reply as it arrives:
 * the target works at full speed while memory on both sides stays flat.
 */
export class CommandPipeline {
  readonly #connection: RespConnection;
  readonly #window: PipelineWindow;
  readonly #pending: { label: string; bytes: number }[] = [];
  #pendingBytes = 0;
  #failure: Error | null = null;
  /** Whether the loop reading replies is running (it stops when nothing is pending). */
  #reading = false;
  #replied: (() => void) | null = null;

  constructor(connection: RespConnection, window: PipelineWindow) {
    this.#connection = connection;
    this.#window = window;
  }

  /** Queues a command; resolves once it is written, waiting while the window is full. */
  async send(args: readonly Arg[], label: string): Promise<void> {
    await this.sendEncoded(encodeBinaryCommand(args), label);
  }

  async sendEncoded(bytes: Buffer, label: string): Promise<void> {
    await this.reserve(bytes.length, label);
    await this.#connection.sendRaw(bytes);
  }

  /**
   * Takes a place in the window for a command the caller writes itself, in pieces (a value streamed from the
   * file); the pieces must be written with writeRaw before anything else is sent.
   */
  async reserve(bytes: number, label: string): Promise<void> {
    while (
      this.#failure === null &&
      this.#pending.length > 0 &&
      (this.#pending.length >= this.#window.commands || this.#pendingBytes + bytes > this.#window.bytes)
    ) {
      await new Promise<void>((resolve) => (this.#replied = resolve));
    }
    if (this.#failure) throw this.#failure;
    this.#pending.push({ label, bytes });
    this.#pendingBytes += bytes;
    if (!this.#reading) {
      this.#reading = true;
      void this.#readReplies();
    }
  }

  async writeRaw(bytes: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    await this.#connection.sendRaw(bytes);
  }

  /** Waits for every reply; throws the first refusal or connection failure. */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 && this.#failure === null) {
      await new Promise<void>((resolve) => (this.#replied = resolve));
    }
    if (this.#failure) throw this.#failure;
  }

  async #readReplies(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const reply = await this.#connection.readReply('a restore command');
        const sent = this.#pending.shift()!;
        this.#pendingBytes -= sent.bytes;
        const refusal = refusalIn(reply);
        if (refusal !== null) throw new CommandRefused(`${sent.label} was refused: ${refusal}`);
        this.#wake();
      }
    } catch (error) {
      this.#failure =
        error instanceof CommandRefused || error instanceof RedisWireError
          ? error
          : new RedisWireError('disconnected', (error as Error).message);
    } finally {
      this.#reading = false;
      this.#wake();
    }
  }

  #wake(): void {
    const replied = this.#replied;
    this.#replied = null;
    replied?.();
  }
}

function refusalIn(reply: RespReply): string | null {
  if (reply.type === 'error') return reply.value;
  if (reply.type === 'array') {
    for (const item of reply.value) {
      const inner = refusalIn(item);
      if (inner !== null) return inner;
    }
  }
  return null;
}
