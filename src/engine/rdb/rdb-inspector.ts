import { RdbIntegrity } from './rdb-integrity.ts';
import { type RdbEvent, RdbParser } from './rdb-reader.ts';
import { type RdbMagic, typeName } from './rdb-types.ts';
import { decodeValue, moduleNameOf } from './value-decoder.ts';

/** What a walk of an RDB's structure found, apart from the checksums. */
export interface RdbStructure {
  magic: RdbMagic | null;
  rdbVersion: number | null;
  /** AUX fields the source wrote (redis-ver, used-mem, ctime…). */
  aux: Record<string, string>;
  /** Keys per database number. */
  keysPerDb: Record<string, number>;
  /** Keys per value type name ("string", "set-listpack"…). */
  keysPerType: Record<string, number>;
  /** Type codes present, for the restore plan. */
  typeCodes: number[];
  keysWithExpiry: number;
  /** Keys holding an empty collection: not counted above, since Redis skips them when it loads the file. */
  emptyKeys: number;
  functions: number;
  /** Modules whose data the file holds (type names from their ids): a target needs them loaded. */
  modules: string[];
  /** The largest value, in bytes as stored. */
  largestValueBytes: number;
  /** The largest value of each type code present. */
  largestValueByType: Record<string, number>;
  /** The first thing wrong with the structure, or null when it read cleanly to its end. */
  problem: string | null;
}

/** What a whole read of an RDB file found: what restore needs to know before it touches a target. */
export interface RdbInspection extends RdbStructure {
  sizeBytes: number;
  sha256: string;
  checksum: 'ok' | 'absent' | 'mismatch';
}

export interface InspectOptions {
  /** Also decode every value small enough to be held (listpacks, ziplists, intsets…), not only walk it. */
  deep?: boolean;
  captureLimit?: number;
  /** Compute the SHA-256 too (verify compares it with the one recorded); default true. */
  sha256?: boolean;
}

/**
 * Walks an RDB's structure (every opcode and value boundary) as its bytes are pushed, in chunks split
 * anywhere, and tallies what it holds. Never throws for bad data: the first problem is kept and the walk
 * stops trusting the structure there. Checksums are not its business (RdbIntegrity reads the same bytes).
 */
export class RdbStructureWalker {
  readonly #deep: boolean;
  readonly #parser: RdbParser;
  readonly #found: RdbStructure = {
    magic: null,
    rdbVersion: null,
    aux: {},
    keysPerDb: {},
    keysPerType: {},
    typeCodes: [],
    keysWithExpiry: 0,
    emptyKeys: 0,
    functions: 0,
    modules: [],
    largestValueBytes: 0,
    largestValueByType: {},
    problem: null,
  };
  readonly #types = new Set<number>();
  readonly #modules = new Set<string>();

  constructor(options: { deep?: boolean; captureLimit?: number; borrowed?: boolean } = {}) {
    this.#deep = options.deep === true;
    // Only a deep walk decodes values; a structure walk keeps none of them.
    this.#parser = new RdbParser({
      captureLimit: options.captureLimit ?? (this.#deep ? 64 * 1024 * 1024 : 0),
      borrowed: options.borrowed === true,
    });
  }

  push(chunk: Buffer): void {
    this.#attempt(() => this.#take(this.#parser.push(chunk)));
  }

  /** Ends the walk: a file that stopped before its end is a problem. */
  finish(): RdbStructure {
    this.#attempt(() => this.#take(this.#parser.finish()));
    this.#found.typeCodes = [...this.#types].sort((a, b) => a - b);
    this.#found.modules = [...this.#modules].sort();
    return this.#found;
  }

  #attempt(work: () => void): void {
    if (this.#found.problem !== null) return;
    try {
      work();
    } catch (error) {
      this.#found.problem = (error as Error).message;
    }
  }

  #take(events: RdbEvent[]): void {
    const found = this.#found;
    for (const event of events) {
      switch (event.kind) {
        case 'header':
          found.magic = event.magic;
          found.rdbVersion = event.version;
          break;
        case 'aux':
          found.aux[event.key] = event.value.toString('latin1');
          break;
        case 'function':
          found.functions++;
          break;
        case 'module-aux':
          this.#modules.add(moduleNameOf(event.moduleId).name);
          break;
        case 'key': {
          const { record } = event;
          if (record.empty) {
            found.emptyKeys++;
            break;
          }
          const name = typeName(found.magic ?? 'REDIS', record.type);
          found.keysPerDb[record.db] = (found.keysPerDb[record.db] ?? 0) + 1;
          found.keysPerType[name] = (found.keysPerType[name] ?? 0) + 1;
          this.#types.add(record.type);
          if (record.expireAtMs !== null) found.keysWithExpiry++;
          found.largestValueBytes = Math.max(found.largestValueBytes, record.valueLength);
          found.largestValueByType[record.type] = Math.max(
            found.largestValueByType[record.type] ?? 0,
            record.valueLength,
          );
          if (this.#deep && record.value) {
            const value = decodeValue(record.type, record.value, found.magic ?? 'REDIS');
            if (value.kind === 'module') this.#modules.add(value.moduleName);
          }
          break;
        }
      }
    }
  }
}

/**
 * Reads an RDB stream to its end without writing anywhere: structure (every opcode and value boundary), the
 * CRC-64 over the same bytes, and with `deep` the content of every value. Never throws for bad data: the
 * problem is reported.
 */
export async function inspectRdb(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: InspectOptions = {},
): Promise<RdbInspection> {
  const integrity = new RdbIntegrity({ sha256: options.sha256 !== false });
  const walker = new RdbStructureWalker({
    deep: options.deep === true,
    captureLimit: options.captureLimit ?? 64 * 1024 * 1024,
  });
  for await (const chunk of source) {
    // The structure is not trusted past a problem, but the bytes still count for the size and checksum.
    integrity.push(chunk);
    walker.push(chunk);
  }
  const structure = walker.finish();
  const summary = integrity.finish();
  return {
    ...structure,
    sizeBytes: summary.sizeBytes,
    sha256: summary.sha256,
    checksum: summary.checksum,
    problem: structure.problem ?? summary.problem,
  };
}
