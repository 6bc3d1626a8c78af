/** How much memory one slab holds: sixteen 64 KiB socket reads. */
export const SLAB_BYTES = 1024 * 1024;

/**
 * Gathers borrowed chunks (valid only during a call) into slabs and writes each slab once it is full: one
 * 1 MiB buffer for sixteen reads. When the target lets go of a written chunk as its callback runs (a file, see
 * BlobWriter.releasesChunksFrom), a written slab goes back to a free list at that callback and is filled
 * again, so a whole transfer lives in a few slabs instead of a fresh buffer per read. Otherwise (an upload
 * keeps its parts) every slab is new and is never written over.
 */
export class SlabCopier {
  readonly #slabBytes: number;
  readonly #reuse: boolean;
  readonly #write: (bytes: Buffer, written: (error?: Error | null) => void) => void;
  readonly #free: Buffer[] = [];
  #slab: Buffer | null = null;
  #used = 0;

  constructor(options: {
    write: (bytes: Buffer, written: (error?: Error | null) => void) => void;
    reuse: boolean;
    slabBytes?: number;
  }) {
    this.#write = options.write;
    this.#reuse = options.reuse;
    this.#slabBytes = options.slabBytes ?? SLAB_BYTES;
  }

  /** Slabs allocated so far: for tests. */
  allocated = 0;

  copy(chunk: Buffer): void {
    for (let from = 0; from < chunk.length;) {
      if (this.#slab === null) {
        this.#slab = this.#free.pop() ?? this.#allocate();
        this.#used = 0;
      }
      const copied = chunk.copy(this.#slab, this.#used, from);
      this.#used += copied;
      from += copied;
      if (this.#used === this.#slabBytes) {
        const slab = this.#slab;
        this.#slab = null;
        // Only a write that succeeded has certainly let go of it; after a failure the slab is just dropped.
        this.#write(slab, (error) => {
          if (this.#reuse && !error) this.#free.push(slab);
        });
      }
    }
  }

  /** Writes what the current slab holds; that slab is not filled again (the target may hold a short write). */
  flush(): void {
    if (this.#slab === null || this.#used === 0) return;
    const rest = this.#slab.subarray(0, this.#used);
    this.#slab = null;
    this.#write(rest, () => undefined);
  }

  #allocate(): Buffer {
    this.allocated++;
    return Buffer.allocUnsafeSlow(this.#slabBytes);
  }
}
