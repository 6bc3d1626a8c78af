import type { Readable } from 'node:stream';
import type { RdbFindings, RdbInspector, RdbWalk } from '../../core/ports.ts';
import { inspectRdb, RdbStructureWalker, type RdbStructure } from './rdb-inspector.ts';

/** The RDB reader as the core's inspector. */
export class ReaderInspector implements RdbInspector {
  async inspect(file: Readable, options: { deep: boolean; checksums: boolean }): Promise<RdbFindings> {
    const found = await inspectRdb(file as AsyncIterable<Buffer>, {
      deep: options.deep,
      sha256: options.checksums,
      ...(options.deep ? {} : { captureLimit: 0 }),
    });
    return { ...findingsOf(found), sha256: found.sha256, checksum: found.checksum };
  }

  walk(): RdbWalk {
    const walker = new RdbStructureWalker({ deep: false, captureLimit: 0 });
    return {
      push: (chunk) => walker.push(chunk),
      finish: () => findingsOf(walker.finish()),
    };
  }
}

function findingsOf(found: RdbStructure): Omit<RdbFindings, 'sha256' | 'checksum'> {
  const usedMemory = Number(found.aux['used-mem']);
  return {
    magic: found.magic,
    rdbVersion: found.rdbVersion,
    typeCodes: found.typeCodes,
    largestValueBytes: found.largestValueBytes,
    largestValueByType: found.largestValueByType,
    usedMemory: Number.isFinite(usedMemory) ? usedMemory : null,
    keysPerDb: found.keysPerDb,
    keysPerType: found.keysPerType,
    keysWithExpiry: found.keysWithExpiry,
    emptyKeys: found.emptyKeys,
    functions: found.functions,
    modules: found.modules,
    problem: found.problem,
  };
}
