/** The file is not a command stream an AOF holds: where, and why. */
export class AofFormatError extends Error {
  override name = 'AofFormatError';
}

/** Arguments longer than this are refused (Redis's own proto-max-bulk-len default). */
const MAX_ARGUMENT = 512 * 1024 * 1024;
/** A command with more arguments than this is not something Redis or this service writes. */
const MAX_ARGUMENTS = 1024 * 1024;

/**
 * Splits an AOF (RESP arrays of bulk strings, as Redis writes its append-only file and `redis-cli --pipe` takes)
 * into commands, chunk by chunk: push any split of the bytes and get the commands they complete. Only the
 * command being read is held. Anything else (an RDB preamble, inline text, a truncated last command) is refused
 * with its offset.
 */
export class AofCommandReader {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Absolute offset of #buf[0]. */
  #base = 0;
  /** The command being read: its argument count, and the arguments read so far. */
  #count = -1;
  #args: Buffer[] = [];
  /** Absolute offset of the command being read. */
  #commandStart = 0;
  /** Chunks held back while an argument waits for more bytes than have arrived (joined once, not per chunk). */
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** Bytes from #pos the waiting argument needs. */
  #required = 0;
  readonly #copy: boolean;

  /**
   * copy false: arguments are views of the pushed chunks, for a caller that copies them at once (the restore
   * pipeline does); by default each is copied, so a kept argument does not hold its whole chunk in memory.
   */
  constructor(options: { copy?: boolean } = {}) {
    this.#copy = options.copy ?? true;
  }

  get offset(): number {
    return this.#base + this.#pos;
  }

  push(chunk: Buffer): Buffer[][] {
    if (this.#buf.length - this.#pos + this.#heldBytes + chunk.length < this.#required) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      return [];
    }
    const rest = this.#buf.subarray(this.#pos);
    this.#base += this.#pos;
    this.#pos = 0;
    this.#buf =
      rest.length === 0 && this.#held.length === 0 ? chunk : Buffer.concat([rest, ...this.#held, chunk]);
    this.#held = [];
    this.#heldBytes = 0;
    this.#required = 0;
    const out: Buffer[][] = [];
    for (;;) {
      const command = this.#next();
      if (!command) return out;
      out.push(command);
    }
  }

  /** The input ended: throws when it ended inside a command. */
  finish(): void {
    if (this.#count !== -1 || this.#pos < this.#buf.length || this.#heldBytes > 0) {
      throw new AofFormatError(
        `the AOF is truncated: the command starting at byte ${this.#commandStart} is incomplete`,
      );
    }
  }

  #next(): Buffer[] | null {
    if (this.#count === -1) {
      this.#commandStart = this.#base + this.#pos;
      const count = this.#header(0x2a /* '*' */, MAX_ARGUMENTS);
      if (count === null) return null;
      if (count === 0) throw this.#error('an empty command');
      this.#count = count;
      this.#args = [];
    }
    while (this.#args.length < this.#count) {
      const start = this.#pos;
      const length = this.#header(0x24 /* '$' */, MAX_ARGUMENT);
      if (length === null) return null;
      if (this.#buf.length - this.#pos < length + 2) {
        this.#required = length + 2 + (this.#pos - start);
        this.#pos = start;
        return null;
      }
      if (this.#buf[this.#pos + length] !== 0x0d || this.#buf[this.#pos + length + 1] !== 0x0a) {
        throw this.#error('an argument not followed by CRLF');
      }
      // A copy: the chunk it came from must not be kept alive by one small argument.
      const arg = this.#buf.subarray(this.#pos, this.#pos + length);
      this.#args.push(this.#copy ? Buffer.from(arg) : arg);
      this.#pos += length + 2;
    }
    const command = this.#args;
    this.#count = -1;
    this.#args = [];
    return command;
  }

  /** Reads "<marker><digits>\r\n"; null when its bytes have not all arrived (the position is left unchanged). */
  #header(marker: number, max: number): number | null {
    if (this.#pos >= this.#buf.length) return null;
    if (this.#buf[this.#pos] !== marker) {
      const what = marker === 0x2a ? 'a command (*)' : 'an argument ($)';
      const found = this.#buf.subarray(this.#pos, this.#pos + 9).toString('latin1');
      const hint = /^(REDIS|VALKEY)/.test(found) ? ' (an RDB, or an AOF with an RDB preamble)' : '';
      throw this.#error(`${JSON.stringify(found)} where ${what} should start${hint}`);
    }
    const end = this.#buf.indexOf('\r\n', this.#pos + 1);
    if (end === -1) {
      if (this.#buf.length - this.#pos > 24) throw this.#error('a length header that does not end');
      return null;
    }
    const text = this.#buf.toString('latin1', this.#pos + 1, end);
    if (!/^\d{1,12}$/.test(text) || Number(text) > max) throw this.#error(`a bad length "${text}"`);
    this.#pos = end + 2;
    return Number(text);
  }

  #error(what: string): AofFormatError {
    return new AofFormatError(`not an AOF command stream: ${what} at byte ${this.#base + this.#pos}`);
  }
}
