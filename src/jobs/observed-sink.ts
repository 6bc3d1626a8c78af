import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * A sink that shows every chunk to `observe` on its way into `target`, in order: how a backup's structure is
 * walked while its bytes are written, with no second read of the file. Backpressure is the target's (the
 * same high-water mark, a write waits for the target's drain), and a target error fails this sink too.
 * Ending it does not end the target: `settled()` resolves once every chunk has been handed over, so the
 * target can then be committed by its owner.
 */
export class ObservedSink extends Writable {
  readonly #target: Writable;
  readonly #observe: (chunk: Buffer) => void;

  constructor(target: Writable, observe: (chunk: Buffer) => void) {
    super({ highWaterMark: target.writableHighWaterMark });
    this.#target = target;
    this.#observe = observe;
    target.on('error', (error) => this.destroy(error));
    // Errors reach whoever is writing (the transfer listens while it runs) and settled()'s caller; after the
    // transfer returned nobody else listens, and an unheard 'error' event would end the process.
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#observe(chunk);
    if (this.#target.write(chunk)) done();
    else this.#target.once('drain', () => done());
  }

  /** Ends this sink (not the target) and waits until every chunk written so far reached the target. */
  settled(): Promise<void> {
    this.end();
    // Rejects when the target fails first, even while a write waits for a drain that will never come.
    return finished(this);
  }
}
