import type { BackupQuery } from '../core/ports.ts';
import { type InstanceRecords, TOO_MANY_RECORDS } from '../core/use-cases/read-instance-records.ts';
import { BackupListingSnapshot } from './backup-listing-snapshot.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { VersionedLru } from './versioned-lru.ts';

/**
 * A snapshot holds every record of its instance, ~450 bytes each: 64 MiB keeps some 140,000 records, and one
 * instance of up to an eighth of that. The budget when none is given; the service's own default grows with the
 * memory it may use (config.ts, DCS_LISTING_INDEX_MB).
 */
export const DEFAULT_LISTING_INDEX_BYTES = 64 * 1024 * 1024;

/** How long the least recently used snapshot must go unserved before a full index replaces it. */
export const DEFAULT_IDLE_BEFORE_EVICTION_MS = 60_000;

/** Listings of one instance that missed the response cache at one version before its snapshot is built. */
export const DEFAULT_BUILD_AFTER_MISSES = 2;

export interface BackupListingIndexOptions {
  maxBytes: number;
  /**
   * Reads all of an instance's records at one version, unless it holds more than maxRecords; undefined when
   * that could not be had.
   */
  load: (
    instanceId: string,
    maxRecords: number,
  ) => Promise<InstanceRecords | typeof TOO_MANY_RECORDS | undefined>;
  buildAfterMisses?: number;
  /** Stamps snapshots as they are served; omitted, the system clock. */
  clock?: Clock;
  /**
   * How long the least recently used snapshot must have gone unserved before a new one may take its room;
   * omitted, a minute.
   */
  idleBeforeEviction?: number;
  /** Told of a build that failed (the listing goes on from the database). */
  onError?: (error: unknown) => void;
}

/**
 * Snapshots of the instances whose listings keep missing the response cache (a console walking time windows,
 * a script paging with filters): each answers any page of its instance from memory while the instance's
 * listing version is the one it was built under, so a write committed by any process is never hidden (the
 * same rule as the response cache). An instance qualifies after a few misses at one version; snapshots are
 * built one at a time, in the background, while its requests go on being answered from the database.
 *
 * A full index takes a new instance only in the room of a snapshot nobody has asked for a while: listings
 * spread over more records than the budget holds would otherwise have each build evict a snapshot soon
 * needed again, and the builds would take the whole CPU (measured: 1M records over 1,000 instances in 64 MB,
 * new windows every request, 5.5 ms of CPU per request instead of 0.4 without the index). Full of snapshots
 * in use, the index keeps them and the other instances stay on the database.
 */
export class BackupListingIndex {
  readonly #snapshots: VersionedLru<BackupListingSnapshot>;
  readonly #clock: Clock;
  readonly #idleBeforeEviction: number;
  readonly #load: BackupListingIndexOptions['load'];
  readonly #buildAfterMisses: number;
  readonly #onError: (error: unknown) => void;
  readonly #enabled: boolean;
  /** More records than this cannot fit an instance's share: such an instance is not read whole. */
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  /** Misses seen per instance at its latest version. */
  readonly #misses = new Map<string, { version: string; count: number }>();
  /** Instances whose snapshot would not fit; their records only grow (none is deleted but with the instance). */
  readonly #tooBig = new Set<string>();
  /** Instances waiting for a build, in the order they qualified. */
  readonly #queue = new Set<string>();
  #building: Promise<void> | null = null;
  /** The instance being built now: its misses meanwhile queue nothing (the build answers them). */
  #current: string | undefined;
  #closed = false;

  constructor(options: BackupListingIndexOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#idleBeforeEviction = options.idleBeforeEviction ?? DEFAULT_IDLE_BEFORE_EVICTION_MS;
    this.#snapshots = new VersionedLru(options.maxBytes, () => this.#clock.now());
    this.#enabled = options.maxBytes > 0;
    this.#load = options.load;
    this.#buildAfterMisses = options.buildAfterMisses ?? DEFAULT_BUILD_AFTER_MISSES;
    this.#onError = options.onError ?? (() => {});
    this.#maxBytes = options.maxBytes;
    this.#maxRecords = Math.floor(options.maxBytes / 8 / SMALLEST_RECORD_BYTES);
  }

  /** The body for query from the instance's snapshot, if one was built under this version. */
  page(query: BackupQuery, version: string): Buffer | undefined {
    if (!this.#enabled) return undefined;
    return this.#snapshots.get(query.instanceId, version)?.page(query);
  }

  /** Notes a listing of the instance answered from the database; enough of them queue a build. */
  missed(instanceId: string, version: string): void {
    if (!this.#enabled || this.#closed) return;
    const seen = this.#misses.get(instanceId);
    const count = seen?.version === version ? seen.count + 1 : 1;
    // Bounded by the instances attached; cleared whole if a caller made it grow past any real fleet.
    if (seen === undefined && this.#misses.size >= MAX_TRACKED_INSTANCES) this.#misses.clear();
    this.#misses.set(instanceId, { version, count });
    if (count < this.#buildAfterMisses || this.#tooBig.has(instanceId) || instanceId === this.#current) {
      return;
    }
    if (!this.#hasRoom()) return;
    this.#queue.add(instanceId);
    this.#startBuilding();
  }

  /** Waits for a build under way, and starts no other. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    await this.#building;
  }

  /** Resolves once no build is queued or under way (for tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.#building !== null) await this.#building;
  }

  /** Bytes of the snapshots held now. */
  get bytes(): number {
    return this.#snapshots.bytes;
  }

  /** Instances with a snapshot held now (of whatever version). */
  get size(): number {
    return this.#snapshots.size;
  }

  /**
   * Whether a new snapshot may be built: the budget is not nearly used, or the least recently used snapshot
   * has gone unserved long enough to give its room.
   */
  #hasRoom(): boolean {
    if (this.#snapshots.hasRoomFor(this.#maxBytes / 8)) return true;
    const oldest = this.#snapshots.oldestUsedAt();
    return oldest === undefined || this.#clock.now() - oldest >= this.#idleBeforeEviction;
  }

  #markTooBig(instanceId: string): void {
    if (this.#tooBig.size < MAX_TRACKED_INSTANCES) this.#tooBig.add(instanceId);
  }

  #startBuilding(): void {
    if (this.#building !== null || this.#closed) return;
    this.#building = this.#drain().finally(() => {
      this.#building = null;
      // An instance queued after the loop's last look, before this ran, is not left waiting for a miss.
      if (this.#queue.size > 0) this.#startBuilding();
    });
  }

  async #drain(): Promise<void> {
    for (const instanceId of this.#queue) {
      this.#queue.delete(instanceId);
      if (this.#closed) return;
      // Queued while there was room: once the index is full of snapshots in use, reading the instance only to
      // throw it away would cost what the admission rule saves (at 10M records, each read is 10,000 records).
      if (!this.#hasRoom()) continue;
      this.#current = instanceId;
      try {
        const loaded = await this.#load(instanceId, this.#maxRecords);
        if (loaded === TOO_MANY_RECORDS) {
          this.#markTooBig(instanceId);
          continue;
        }
        if (loaded === undefined || this.#closed) continue;
        if (!this.#hasRoom()) continue; // filled while this one waited its turn
        const snapshot = await BackupListingSnapshot.rendering(loaded.records);
        if (!this.#snapshots.fits(snapshot.bytes)) this.#markTooBig(instanceId);
        this.#snapshots.set(instanceId, loaded.version, snapshot, snapshot.bytes);
        this.#misses.delete(instanceId);
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#current = undefined;
      }
    }
  }
}

const MAX_TRACKED_INSTANCES = 100_000;

/**
 * Below any record's JSON (one with every optional field null and a one-letter name is 367 bytes), so an
 * instance is given up on only once it surely cannot fit.
 */
const SMALLEST_RECORD_BYTES = 330;
