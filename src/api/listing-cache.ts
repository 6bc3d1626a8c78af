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

/** One kept body, linked into the recency list (most recently used next to the head). */
interface Entry {
  key: string;
  version: string;
  body: Buffer;
  newer: Entry | null;
  older: Entry | null;
}

/**
 * A hit moves its entry to the front of a linked list: the Map is only read. Moving it by deleting and
 * re-inserting the key (a Map iterates in insertion order) made a hit cost the Map's rehash once the cache had
 * seen many misses: V8 keeps deleted slots until the table is rebuilt, and a table filled by a stream of misses
 * and evictions was rebuilt on nearly every hit (`npm run bench:micro`: 91.8 µs after 200,000 misses against
 * 0.28 µs with one body kept), and each eviction walked the deleted slots at its front to find the oldest entry.
 */
export class ListingCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  /** Most recently used. */
  #newest: Entry | null = null;
  /** Least recently used: the next to go. */
  #oldest: Entry | null = null;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The body cached under key, if it was built under this version. */
  get(key: string, version: string): Buffer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version !== version) {
      this.#remove(entry);
      return undefined;
    }
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#pushNewest(entry);
    }
    return entry.body;
  }

  /** Keeps a copy of body, exactly its size (a page is written into a larger buffer than it needs). */
  set(key: string, version: string, body: Buffer): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(old);
    if (body.length > this.#maxBytes / 8) return;
    const copy = Buffer.allocUnsafeSlow(body.length);
    body.copy(copy);
    const entry: Entry = { key, version, body: copy, newer: null, older: null };
    this.#entries.set(key, entry);
    this.#pushNewest(entry);
    this.#bytes += body.length;
    while (this.#bytes > this.#maxBytes && this.#oldest !== null) this.#remove(this.#oldest);
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

  /** Keys from the least to the most recently used (for tests). */
  keysByRecency(): string[] {
    const keys: string[] = [];
    for (let entry = this.#oldest; entry !== null; entry = entry.newer) keys.push(entry.key);
    return keys;
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    this.#bytes -= entry.body.length;
  }

  #pushNewest(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = null;
    if (this.#newest !== null) this.#newest.newer = entry;
    this.#newest = entry;
    this.#oldest ??= entry;
  }

  #unlink(entry: Entry): void {
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.newer = null;
    entry.older = null;
  }
}
