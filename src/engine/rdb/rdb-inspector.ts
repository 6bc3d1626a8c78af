import { RdbIntegrity } from './rdb-integrity.ts';
import { type RdbEvent, RdbParser } from './rdb-reader.ts';
import { type RdbMagic, typeName } from './rdb-types.ts';
import { decodeValue, moduleNameOf } from './value-decoder.ts';

/** What a whole read of an RDB file found: what restore needs to know before it touches a target. */
export interface RdbInspection {
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
  sizeBytes: number;
  sha256: string;
  checksum: 'ok' | 'absent' | 'mismatch';
  /** The first thing wrong with the file, or null when it read cleanly to its checksum. */
  problem: string | null;
}

export interface InspectOptions {
  /** Also decode every value small enough to be held (listpacks, ziplists, intsets…), not only walk it. */
  deep?: boolean;
  captureLimit?: number;
  /** Compute the SHA-256 too (verify compares it with the one recorded); default true. */
  sha256?: boolean;
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
  const parser = new RdbParser({ captureLimit: options.captureLimit ?? 64 * 1024 * 1024 });
  const found: RdbInspection = {
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
    sizeBytes: 0,
    sha256: '',
    checksum: 'mismatch',
    problem: null,
  };
  const types = new Set<number>();
  const modules = new Set<string>();
  const take = (events: RdbEvent[]) => {
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
          modules.add(moduleNameOf(event.moduleId).name);
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
          types.add(record.type);
          if (record.expireAtMs !== null) found.keysWithExpiry++;
          found.largestValueBytes = Math.max(found.largestValueBytes, record.valueLength);
          found.largestValueByType[record.type] = Math.max(
            found.largestValueByType[record.type] ?? 0,
            record.valueLength,
          );
          if (options.deep && record.value) {
            const value = decodeValue(record.type, record.value, found.magic ?? 'REDIS');
            if (value.kind === 'module') modules.add(value.moduleName);
          }
          break;
        }
      }
    }
  };
  const attempt = (work: () => void) => {
    if (found.problem !== null) return;
    try {
      work();
    } catch (error) {
      // The structure is not trusted past a problem, but the bytes still count for the size and checksum.
      found.problem = (error as Error).message;
    }
  };
  for await (const chunk of source) {
    integrity.push(chunk);
    attempt(() => take(parser.push(chunk)));
  }
  attempt(() => take(parser.finish()));
  const summary = integrity.finish();
  found.sizeBytes = summary.sizeBytes;
  found.sha256 = summary.sha256;
  found.checksum = summary.checksum;
  found.problem ??= summary.problem;
  found.typeCodes = [...types].sort((a, b) => a - b);
  found.modules = [...modules].sort();
  return found;
}
