import { Crc64Arena, writeCrc64 } from '../rdb/crc64.ts';
import { RedisWireError } from '../resp/redis-wire-error.ts';
import type { RespConnection } from '../resp/resp-connection.ts';
import type { Arg, EncodedArgs } from './resp-command.ts';
import { ReplyScanner } from './reply-scanner.ts';

export interface PipelineWindow {
  /** Commands sent and not yet answered, at most. */
  commands: number;
  /** Bytes sent and not yet answered, at most (a large payload alone may exceed it). */
  bytes: number;
}

/** The window every restore path writes with unless told otherwise. */
export const DEFAULT_PIPELINE_WINDOW: PipelineWindow = { commands: 1000, bytes: 4 * 1024 * 1024 };

/** A command the target refused; restore stops at the first one rather than leave a partial copy unnoticed. */
export class CommandRefused extends Error {
  override name = 'CommandRefused';
}

/**
 * Names a command in a refusal: text, or any value the pipeline's describer turns into text, so that nothing is
 * formatted (or allocated) per key unless a key is refused.
 */
export type CommandLabel = string | object;

/** Takes over a command a cluster node redirected ("MOVED 3999 127.0.0.1:6381"); false: it is a refusal. */
export type RedirectHandler = (label: CommandLabel, message: string) => boolean;

const REDIRECTION = /^(MOVED|ASK) /;

/** Commands are gathered into one write of about this size: one system call per batch, not per key. */
const BATCH_BYTES = 256 * 1024;
/**
 * Batches live in a CRC arena (each payload's CRC-64 computed where it lies), this many of them: a batch goes back
 * to the free ones once the socket has handed it to the system. When all are with the socket, a batch is an
 * ordinary buffer and its payloads' CRCs are computed from a copy.
 */
const ARENA_BATCHES = 8;

/**
 * Sends commands without waiting for each reply, up to a bounded window, and checks every reply as it arrives:
 * the target works at full speed while memory on both sides stays flat. Commands are encoded straight into a
 * batch buffer, and replies are scanned synchronously chunk by chunk, so the cost per key is a few copies and
 * no promise.
 */
export class CommandPipeline {
  readonly #connection: RespConnection;
  readonly #window: PipelineWindow;
  /** Labels of the commands awaiting replies, oldest at #head. */
  #labels: CommandLabel[] = [];
  #sizes: number[] = [];
  #head = 0;
  #inFlightBytes = 0;
  readonly #arena = new Crc64Arena(ARENA_BATCHES * BATCH_BYTES);
  /** Offsets in the arena of the batches free to fill. */
  readonly #freeBatches: number[] = [];
  #batch: Buffer;
  /** Where #batch starts in the arena; -1 when it is an ordinary buffer. */
  #batchAt: number;
  #batchLength = 0;
  #failure: Error | null = null;
  #reading = false;
  #replied: (() => void) | null = null;
  readonly #scanner = new ReplyScanner();

  readonly #describe: (label: object) => string;
  readonly #redirect: RedirectHandler | undefined;

  /**
   * `redirect` is offered each -MOVED and -ASK answer (a cluster node saying another serves the key's slot) with
   * the command's label; when it takes the command over (returns true) the answer is not a refusal.
   */
  constructor(
    connection: RespConnection,
    window: PipelineWindow,
    describe: (label: object) => string = String,
    redirect?: RedirectHandler,
  ) {
    this.#connection = connection;
    this.#window = window;
    this.#describe = describe;
    this.#redirect = redirect;
    for (let i = ARENA_BATCHES - 1; i >= 0; i--) this.#freeBatches.push(i * BATCH_BYTES);
    this.#batchAt = this.#freeBatches.pop()!;
    this.#batch = this.#arena.bytes.subarray(this.#batchAt, this.#batchAt + BATCH_BYTES);
  }

  /** Why the pipeline stopped (a refusal or the connection failing); null while it works. */
  get failure(): Error | null {
    return this.#failure;
  }

  get #pending(): number {
    return this.#labels.length - this.#head;
  }

  /** Queues a command. Returns a promise only when the caller must wait (the window is full). */
  send(args: readonly Arg[], label: CommandLabel): Promise<void> | undefined {
    const encoded = args.map((arg) => (Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg))));
    let size = 1 + digits(encoded.length) + 2;
    for (const arg of encoded) size += 1 + digits(arg.length) + 2 + arg.length + 2;
    const at = this.#room(size);
    let p = this.#writeHeader(at, '*', encoded.length);
    for (const arg of encoded) {
      p = this.#writeHeader(p, '$', arg.length);
      p += arg.copy(this.#batch, p);
      p = this.#crlf(p);
    }
    return this.#queued(label, size, p);
  }

  /**
   * RESTORE key ttl <payload> ...options, the payload (type byte, value, version, CRC-64) written straight into
   * the batch with its CRC computed in place: no payload buffer is built per key.
   */
  sendRestore(
    key: Buffer,
    ttl: number,
    type: number,
    value: Buffer,
    version: number,
    tail: EncodedArgs,
    label: CommandLabel,
  ): Promise<void> | undefined {
    const ttlText = ttl === 0 ? ZERO : Buffer.from(String(ttl));
    const payloadLength = 1 + value.length + 10;
    const size =
      1 +
      digits(4 + tail.count) +
      2 +
      13 + // *N, $7 RESTORE
      1 +
      digits(key.length) +
      2 +
      key.length +
      2 +
      1 +
      digits(ttlText.length) +
      2 +
      ttlText.length +
      2 +
      1 +
      digits(payloadLength) +
      2 +
      payloadLength +
      2 +
      tail.bytes.length;
    const at = this.#room(size);
    const batch = this.#batch;
    let p = this.#writeHeader(at, '*', 4 + tail.count);
    p += RESTORE_NAME.copy(batch, p);
    p = this.#writeHeader(p, '$', key.length);
    p += key.copy(batch, p);
    p = this.#crlf(p);
    p = this.#writeHeader(p, '$', ttlText.length);
    p += ttlText.copy(batch, p);
    p = this.#crlf(p);
    p = this.#writeHeader(p, '$', payloadLength);
    const payloadStart = p;
    batch[p++] = type;
    p += value.copy(batch, p);
    batch.writeUInt16LE(version, p);
    p += 2;
    if (this.#batchAt >= 0) this.#arena.crcAt(this.#batchAt + payloadStart, p - payloadStart);
    else writeCrc64(batch.subarray(payloadStart, p), batch, p);
    p = this.#crlf(p + 8);
    p += tail.bytes.copy(batch, p);
    return this.#queued(label, size, p);
  }

  /**
   * Takes a place in the window for a command the caller writes itself, in pieces (a value streamed from the
   * file); the pieces must be written with writeRaw before anything else is sent.
   */
  async reserve(bytes: number, label: CommandLabel): Promise<void> {
    this.#flush();
    while (this.#failure === null && this.#pending > 0 && this.#inFlightBytes + bytes > this.#window.bytes) {
      await this.#waitForReplies();
    }
    if (this.#failure) throw this.#failure;
    this.#labels.push(label);
    this.#sizes.push(bytes);
    this.#inFlightBytes += bytes;
    this.#startReading();
  }

  async writeRaw(bytes: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    await this.#connection.sendRaw(bytes);
  }

  /** Sends what is gathered and waits for every reply; throws the first refusal or connection failure. */
  async drain(): Promise<void> {
    this.#flush();
    while (this.#pending > 0 && this.#failure === null) await this.#waitForReplies();
    if (this.#failure) throw this.#failure;
  }

  /** Where a command of `size` bytes goes in the batch: sends the batch first when it would not fit. */
  #room(size: number): number {
    if (this.#failure) throw this.#failure;
    if (this.#batchLength + size > this.#batch.length) {
      this.#sendBatch();
      if (size > this.#batch.length) {
        if (this.#batchAt >= 0) this.#freeBatches.push(this.#batchAt);
        this.#batch = Buffer.allocUnsafe(size);
        this.#batchAt = -1;
      }
    }
    return this.#batchLength;
  }

  #queued(label: CommandLabel, size: number, end: number): Promise<void> | undefined {
    this.#batchLength = end;
    this.#labels.push(label);
    this.#sizes.push(size);
    this.#inFlightBytes += size;
    if (this.#pending >= this.#window.commands || this.#inFlightBytes >= this.#window.bytes)
      return this.#makeRoom();
    return undefined;
  }

  async #makeRoom(): Promise<void> {
    this.#flush();
    while (
      this.#failure === null &&
      this.#pending > 0 &&
      (this.#pending >= this.#window.commands || this.#inFlightBytes >= this.#window.bytes)
    ) {
      await this.#waitForReplies();
    }
    if (this.#failure) throw this.#failure;
  }

  /**
   * Hands the gathered commands to the socket. The socket is not waited on: every byte counts against the window
   * until its reply arrives, which bounds what the socket can hold. The batch buffer is never reused while the
   * socket holds it.
   */
  #sendBatch(): void {
    if (this.#batchLength === 0) return;
    const bytes = this.#batch.subarray(0, this.#batchLength);
    const sentAt = this.#batchAt;
    const free = this.#freeBatches.pop();
    this.#batchAt = free ?? -1;
    this.#batch =
      free === undefined
        ? Buffer.allocUnsafe(BATCH_BYTES)
        : this.#arena.bytes.subarray(free, free + BATCH_BYTES);
    this.#batchLength = 0;
    this.#startReading();
    if (sentAt < 0) this.#connection.writeNow(bytes);
    else this.#connection.writeNow(bytes, () => this.#freeBatches.push(sentAt));
  }

  #flush(): void {
    try {
      this.#sendBatch();
    } catch (error) {
      this.#failure ??= error as Error;
      throw this.#failure;
    }
  }

  #startReading(): void {
    if (this.#reading || this.#pending === 0) return;
    this.#reading = true;
    void this.#readReplies();
  }

  async #readReplies(): Promise<void> {
    try {
      while (this.#pending > 0) {
        const chunk = await this.#connection.nextChunk();
        if (chunk === null) throw new RedisWireError('disconnected', 'the server closed the connection');
        const { replies, errors } = this.#scanner.push(chunk);
        for (const refusal of errors) {
          const label = this.#labels[this.#head + refusal.index] ?? 'a command';
          if (REDIRECTION.test(refusal.message) && this.#redirect?.(label, refusal.message)) continue;
          const name = typeof label === 'string' ? label : this.#describe(label);
          throw new CommandRefused(`${name} was refused: ${refusal.message}`);
        }
        this.#answered(replies);
        this.#wake();
      }
    } catch (error) {
      this.#failure ??=
        error instanceof CommandRefused || error instanceof RedisWireError
          ? error
          : new RedisWireError('disconnected', (error as Error).message);
    } finally {
      this.#reading = false;
      this.#wake();
    }
  }

  /** Marks the oldest `count` commands answered. */
  #answered(count: number): void {
    for (let i = 0; i < count; i++) this.#inFlightBytes -= this.#sizes[this.#head + i]!;
    this.#head += count;
    if (this.#head > 4096) {
      this.#labels = this.#labels.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }

  #waitForReplies(): Promise<void> {
    this.#startReading();
    return new Promise<void>((resolve) => (this.#replied = resolve));
  }

  #wake(): void {
    const replied = this.#replied;
    this.#replied = null;
    replied?.();
  }

  /** `*n\r\n` or `$n\r\n`, the digits written as bytes: no string is built per header. */
  #writeHeader(p: number, marker: string, n: number): number {
    const batch = this.#batch;
    batch[p++] = marker === '*' ? 0x2a : 0x24;
    const width = digits(n);
    for (let i = width - 1; i >= 0; i--) {
      batch[p + i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
    p += width;
    batch[p] = 13;
    batch[p + 1] = 10;
    return p + 2;
  }

  #crlf(p: number): number {
    this.#batch[p] = 13;
    this.#batch[p + 1] = 10;
    return p + 2;
  }
}

const ZERO = Buffer.from('0');
const RESTORE_NAME = Buffer.from('$7\r\nRESTORE\r\n', 'latin1');

function digits(n: number): number {
  let width = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    width++;
  }
  return width;
}
