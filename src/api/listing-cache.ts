/**
 * Response bodies of listings, each kept with the instance's listing version it was built under: an entry is
 * served only while the version read for the request is the same, so a committed write to the instance's
 * records (which bumps the version in its own transaction) is never hidden by it. The version is read before
 * the page, so a body can only be newer than its version says, never older: at worst one extra miss.
 *
 * Least recently used entries go first once the bodies together pass maxBytes; a body larger than an eighth
 * of it is not kept, so one large page cannot empty the cache.
 */
/** Modest beside the service's ~150 MB: some 70,000 ten-record pages. */
export const DEFAULT_LISTING_CACHE_BYTES = 32 * 1024 * 1024;

export class ListingCache {
  readonly #maxBytes: number;
  // A Map iterates in insertion order: re-inserting on each hit keeps the least recently used first.
  readonly #entries = new Map<string, { version: string; body: Buffer }>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The body cached under key, if it was built under this version. */
  get(key: string, version: string): Buffer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version !== version) {
      this.#remove(key, entry.body);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.body;
  }

  /** Keeps a copy of body, exactly its size (a page is written into a larger buffer than it needs). */
  set(key: string, version: string, body: Buffer): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(key, old.body);
    if (body.length > this.#maxBytes / 8) return;
    const copy = Buffer.allocUnsafeSlow(body.length);
    body.copy(copy);
    this.#entries.set(key, { version, body: copy });
    this.#bytes += body.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest, entry.body);
    }
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
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  #remove(key: string, body: Buffer): void {
    this.#entries.delete(key);
    this.#bytes -= body.length;
  }
}
