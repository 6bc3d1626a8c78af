import { Writable } from 'node:stream';
import { SlabCopier } from './slab-copier.ts';

/**
 * A sink that shows every chunk to `observe` on its way into `target`, in order: how a backup's structure is
 * walked while its bytes are written, with no second read of the file. It adds no buffer of its own: a write
 * goes straight to the target and answers the target's backpressure, 'drain' and 'error' are the target's,
 * so the transfer paces itself exactly as it would writing to the target directly. The target stays its
 * owner's to end (commit).
 */
export class ObservedSink extends Writable {
  readonly #target: Writable;
  readonly #observe: (chunk: Buffer) => void;
  readonly #copier: SlabCopier | null;

  /**
   * With `copyChunks` a written chunk may be borrowed (valid only during write(), see fetchRdb's
   * sinkCopiesChunks): `observe` reads it in place and must copy what it keeps; the target gets it copied
   * into slabs, written a slab at a time, the last one by settled(). `reuseSlabs` when the target lets go of
   * a chunk as its write callback runs (BlobWriter.releasesChunksFrom, at most a slab).
   */
  constructor(
    target: Writable,
    observe: (chunk: Buffer) => void,
    options: { copyChunks?: boolean; reuseSlabs?: boolean } = {},
  ) {
    super();
    this.#target = target;
    this.#observe = observe;
    this.#copier = options.copyChunks
      ? new SlabCopier({
          write: (bytes, written) => target.write(bytes, written),
          reuse: options.reuseSlabs === true,
        })
      : null;
    target.on('drain', () => this.emit('drain'));
    target.on('error', (error) => this.emit('error', error));
    // The transfer listens while it runs; after it returned nobody does, and an unheard 'error' would end
    // the process. The owner still learns of the failure when it commits the target.
    this.on('error', () => undefined);
  }

  // Bypasses Writable's own queue on purpose: a second buffer in front of the file would make the transfer
  // stop and start twice as often.
  override write(chunk: Buffer): boolean {
    this.#observe(chunk);
    if (!this.#copier) return this.#target.write(chunk);
    this.#copier.copy(chunk);
    return !this.#target.writableNeedDrain;
  }

  /** Resolves once every chunk written is in the target's hands (at once: only a partial slab is held here). */
  async settled(): Promise<void> {
    this.#copier?.flush();
    if (this.#target.errored) throw this.#target.errored;
  }
}
