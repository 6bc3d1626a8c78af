import type { Readable } from 'node:stream';
import type { RdbFindings, RdbInspector } from '../../core/ports.ts';
import { inspectRdb } from './rdb-inspector.ts';

/** The RDB reader as the core's inspector. */
export class ReaderInspector implements RdbInspector {
  async inspect(file: Readable, options: { deep: boolean; checksums: boolean }): Promise<RdbFindings> {
    const found = await inspectRdb(file as AsyncIterable<Buffer>, {
      deep: options.deep,
      sha256: options.checksums,
      ...(options.deep ? {} : { captureLimit: 0 }),
    });
    const usedMemory = Number(found.aux['used-mem']);
    return {
      magic: found.magic,
      rdbVersion: found.rdbVersion,
      typeCodes: found.typeCodes,
      largestValueBytes: found.largestValueBytes,
      largestValueByType: found.largestValueByType,
      usedMemory: Number.isFinite(usedMemory) ? usedMemory : null,
      sha256: found.sha256,
      checksum: found.checksum,
      keysPerDb: found.keysPerDb,
      keysPerType: found.keysPerType,
      keysWithExpiry: found.keysWithExpiry,
      emptyKeys: found.emptyKeys,
      functions: found.functions,
      modules: found.modules,
      problem: found.problem,
    };
  }
}
