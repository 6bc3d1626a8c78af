import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { type AofConversionSummary, RdbToAofConverter } from '../engine/aof/rdb-to-aof.ts';

/** The stored AOF: what the record keeps of it. */
export interface ConvertedFile {
  sizeBytes: number;
  sha256: string;
  conversion: AofConversionSummary;
}

/**
 * A sink that takes a snapshot's RDB bytes and writes the AOF they convert to into `target`, as they arrive: an
 * AOF backup's file is never an RDB on disk. Like ObservedSink it keeps no queue of its own: a write answers the
 * target's backpressure. A conversion failure (module data, a value over the limit) is this sink's 'error', which
 * ends the transfer. The output is only trustworthy once the RDB's checksum checked out: the caller then calls
 * complete() for the last commands and commits the target.
 */
export class AofConvertingSink extends Writable {
  readonly #target: Writable;
  readonly #converter: RdbToAofConverter;
  readonly #sha = createHash('sha256');
  #bytes = 0;
  #failed: Error | null = null;

  constructor(target: Writable, now: () => number) {
    super();
    this.#target = target;
    this.#converter = new RdbToAofConverter({ now });
    target.on('drain', () => this.emit('drain'));
    target.on('error', (error) => this.emit('error', error));
    this.on('error', () => undefined);
  }

  override write(chunk: Buffer): boolean {
    if (this.#failed) return true;
    let out: Buffer[];
    try {
      out = this.#converter.push(chunk);
    } catch (error) {
      this.#failed = error as Error;
      queueMicrotask(() => this.emit('error', new Error(`cannot convert to AOF: ${this.#failed!.message}`)));
      return true;
    }
    return this.#pass(out);
  }

  /** The RDB ended and checked out: writes the last commands and says what was stored. */
  complete(): void {
    if (this.#failed) throw new Error(`cannot convert to AOF: ${this.#failed.message}`);
    this.#pass(this.#converter.finish());
  }

  get file(): ConvertedFile {
    return {
      sizeBytes: this.#bytes,
      sha256: this.#sha.copy().digest('hex'),
      conversion: this.#converter.summary,
    };
  }

  #pass(out: Buffer[]): boolean {
    let ok = true;
    for (const bytes of out) {
      this.#sha.update(bytes);
      this.#bytes += bytes.length;
      ok = this.#target.write(bytes);
    }
    return ok;
  }
}
