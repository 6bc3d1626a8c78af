/** One kept value, linked into the recency list (most recently used next to the head). */
interface Entry<V> {
  key: string;
  version: string;
  value: V;
  bytes: number;
  /** When it was last kept or served (the clock given to the LRU). */
  usedAt: number;
  newer: Entry<V> | null;
  older: Entry<V> | null;
}

/**
 * Values kept by key, each with the instance's listing version it was built under: an entry is served only
 * while the version read for the request is the same, so a committed write (which bumps the version in its own
 * transaction) is never hidden by it. Least recently used entries go first once the values together pass
 * maxBytes; a value larger than an eighth of it is not kept, so one large value cannot empty the rest.
 *
 * A hit moves its entry to the front of a linked list: the Map is only read. Moving it by deleting and
 * re-inserting the key (a Map iterates in insertion order) made a hit cost the Map's rehash once many misses
 * had passed: V8 keeps deleted slots until the table is rebuilt, and a table filled by a stream of misses and
 * evictions was rebuilt on nearly every hit (`npm run bench:micro`: 91.8 µs after 200,000 misses against
 * 0.28 µs with one value kept), and each eviction walked the deleted slots at its front to find the oldest.
 */
export class VersionedLru<V> {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Entry<V>>();
  /** Most recently used. */
  #newest: Entry<V> | null = null;
  /** Least recently used: the next to go. */
  #oldest: Entry<V> | null = null;
  #bytes = 0;
  readonly #now: () => number;

  /** now: the time entries are stamped with when kept or served (only oldestUsedAt reads it). */
  constructor(maxBytes: number, now: () => number = () => 0) {
    this.#maxBytes = maxBytes;
    this.#now = now;
  }

  /** Whether values of this many more bytes would fit without evicting anything. */
  hasRoomFor(bytes: number): boolean {
    return this.#bytes + bytes <= this.#maxBytes;
  }

  /** When the least recently used entry was last kept or served; undefined when empty. */
  oldestUsedAt(): number | undefined {
    return this.#oldest?.usedAt;
  }

  /** Whether a value of this many bytes would be kept at all. */
  fits(bytes: number): boolean {
    return bytes <= this.#maxBytes / 8;
  }

  /** The value kept under key, if it was built under this version; a value of another version is dropped. */
  get(key: string, version: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version !== version) {
      this.#remove(entry);
      return undefined;
    }
    entry.usedAt = this.#now();
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#pushNewest(entry);
    }
    return entry.value;
  }

  /** Keeps value under key (replacing what was there), unless it does not fit. */
  set(key: string, version: string, value: V, bytes: number): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.#remove(old);
    if (!this.fits(bytes)) return;
    const entry: Entry<V> = { key, version, value, bytes, usedAt: this.#now(), newer: null, older: null };
    this.#entries.set(key, entry);
    this.#pushNewest(entry);
    this.#bytes += bytes;
    while (this.#bytes > this.#maxBytes && this.#oldest !== null) this.#remove(this.#oldest);
  }

  /** Bytes of the values held now. */
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

  #remove(entry: Entry<V>): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    this.#bytes -= entry.bytes;
  }

  #pushNewest(entry: Entry<V>): void {
    entry.older = this.#newest;
    entry.newer = null;
    if (this.#newest !== null) this.#newest.newer = entry;
    this.#newest = entry;
    this.#oldest ??= entry;
  }

  #unlink(entry: Entry<V>): void {
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.newer = null;
    entry.older = null;
  }
}
