import { RedisWireError } from '../resp/redis-wire-error.ts';

const NEWLINE = 0x0a;

export interface TransferWatchOptions {
  /** How long the transfer may go without progress (see `chunk`) before it fails. */
  idleTimeoutMs: number;
  /** How long the whole transfer may take, keepalives and all; null for no bound. */
  totalTimeoutMs: number | null;
  /** Called once, with the reason, when either limit is reached. */
  onExpired(error: RedisWireError): void;
}

/**
 * The deadlines of one snapshot transfer. A master sends a newline each second while it prepares the snapshot,
 * so before the payload starts every byte counts as progress. Once it started, a master sends no newlines inside
 * it: a stream that goes on with nothing but newlines (a source stuck after a broken transfer) is not making
 * progress, and must not hold the backup open for as long as it keeps doing so.
 */
export class TransferWatch {
  readonly #options: TransferWatchOptions;
  #idle: NodeJS.Timeout | undefined;
  #total: NodeJS.Timeout | undefined;
  #keepalivesOnly = false;
  #payloadBytes = 0;
  #stopped = false;

  constructor(options: TransferWatchOptions) {
    this.#options = options;
    this.#armIdle();
    if (options.totalTimeoutMs !== null) {
      this.#total = setTimeout(
        () =>
          this.#expire(
            `the transfer did not end within ${options.totalTimeoutMs} ms (${this.#payloadBytes} bytes of the RDB received)`,
          ),
        options.totalTimeoutMs,
      );
    }
  }

  /** Reports bytes received; `payloadStarted` once the master announced the RDB ("$<length>" or "$EOF:"). */
  chunk(bytes: Buffer, payloadStarted: boolean, payloadBytes: number): void {
    this.#payloadBytes = payloadBytes;
    if (!payloadStarted || !onlyNewlines(bytes)) {
      this.#keepalivesOnly = false;
      this.#armIdle();
    } else {
      this.#keepalivesOnly = true;
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#idle);
    clearTimeout(this.#total);
  }

  #armIdle(): void {
    clearTimeout(this.#idle);
    const ms = this.#options.idleTimeoutMs;
    this.#idle = setTimeout(
      () =>
        this.#expire(
          this.#keepalivesOnly
            ? `the source sent only keepalive newlines for ${ms} ms after ${this.#payloadBytes} bytes of the RDB: the transfer stalled`
            : `the source sent nothing for ${ms} ms (${this.#payloadBytes} bytes of the RDB received)`,
        ),
      ms,
    );
  }

  #expire(message: string): void {
    if (this.#stopped) return;
    this.stop();
    this.#options.onExpired(new RedisWireError('timeout', message));
  }
}

function onlyNewlines(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== NEWLINE) return false;
  return bytes.length > 0;
}
