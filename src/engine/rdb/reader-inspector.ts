import type { Readable } from 'node:stream';
import type { RdbFindings, RdbInspector } from '../../core/ports.ts';
import { inspectRdb } from './rdb-inspector.ts';

/** The RDB reader as the core's inspector: a deep read (every value decoded) of a stored file. */
export class ReaderInspector implements RdbInspector {
  async inspect(file: Readable): Promise<RdbFindings> {
    const found = await inspectRdb(file as AsyncIterable<Buffer>, { deep: true });
    return {
      rdbVersion: found.rdbVersion,
      sha256: found.sha256,
      checksum: found.checksum,
      keysPerDb: found.keysPerDb,
      keysPerType: found.keysPerType,
      keysWithExpiry: found.keysWithExpiry,
      functions: found.functions,
      modules: found.modules,
      problem: found.problem,
    };
  }
}
