// What the RDB reader finds in a file, apart from the ports that produce it: backup-detail.ts keeps these
// findings and ports.ts names the reader, so both import this file and neither imports the other.

/** What reading a whole RDB file found (the engine's RDB reader behind a port). */
export interface RdbFindings {
  /** The first thing wrong with the file, or null. */
  problem: string | null;
  magic: 'REDIS' | 'VALKEY' | null;
  rdbVersion: number | null;
  /** Value type codes present. */
  typeCodes: number[];
  largestValueBytes: number;
  largestValueByType: Record<string, number>;
  /** used-mem as the source wrote it in the file's AUX fields, or null. */
  usedMemory: number | null;
  sha256: string;
  checksum: 'ok' | 'absent' | 'mismatch';
  keysPerDb: Record<string, number>;
  keysPerType: Record<string, number>;
  keysWithExpiry: number;
  /**
   * Keys holding an empty collection, left out of the counts above: Redis skips them when it loads the file.
   * Absent from what was recorded before they were counted.
   */
  emptyKeys?: number;
  functions: number;
  modules: string[];
}

/**
 * A walk of an RDB's structure fed chunk by chunk as the bytes arrive (a backup's transfer), so what the
 * file holds is known when its last byte is written, without reading it back. The checksums are the
 * transfer's own business: the walk only reads structure.
 */
export interface RdbWalk {
  /** The chunk is only read during the call (its memory may be reused after): the walk copies what it keeps. */
  push(chunk: Buffer): void;
  /** Ends the walk; what it found, the first problem included. */
  finish(): Omit<RdbFindings, 'sha256' | 'checksum'>;
}
