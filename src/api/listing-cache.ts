import { VersionedLru } from './versioned-lru.ts';

/** Modest beside the service's ~150 MB: some 70,000 ten-record pages. */
export const DEFAULT_LISTING_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Response bodies of listings, each kept with the instance's listing version it was built under (see
 * VersionedLru). The version is read before the page, so a body can only be newer than its version says,
 * never older: at worst one extra miss.
 */
export class ListingCache {
  readonly #bodies: VersionedLru<Buffer>;

  constructor(maxBytes: number) {
    this.#bodies = new VersionedLru(maxBytes);
  }

  /** The body cached under key, if it was built under this version. */
  get(key: string, version: string): Buffer | undefined {
    return this.#bodies.get(key, version);
  }

  /**
   * Keeps a copy of body in memory of its own: a small body may sit in Node's shared 8 KiB buffer pool (or a
   * larger buffer), which keeping the body itself would pin.
   */
  set(key: string, version: string, body: Buffer): void {
    if (!this.#bodies.fits(body.length)) {
      this.#bodies.set(key, version, body, body.length); // drops what the key held
      return;
    }
    const copy = Buffer.allocUnsafeSlow(body.length);
    body.copy(copy);
    this.#bodies.set(key, version, copy, copy.length);
  }

  /** The body kept under key for this version, or the one build makes, kept for the next request. */
  async through(key: string, version: string, build: () => Promise<Buffer>): Promise<Buffer> {
    const kept = this.get(key, version);
    if (kept !== undefined) return kept;
    const body = await build();
    this.set(key, version, body);
    return body;
  }

  /** Bytes of the bodies held now. */
  get bytes(): number {
    return this.#bodies.bytes;
  }

  get size(): number {
    return this.#bodies.size;
  }

  /** Keys from the least to the most recently used (for tests). */
  keysByRecency(): string[] {
    return this.#bodies.keysByRecency();
  }
}
