import type { Readable } from 'node:stream';
import type { RdbFindings, RdbInspector, RdbWalk } from '../../core/ports.ts';
import { noChecksumInFormat } from './rdb-integrity.ts';
import { inspectRdb, RdbStructureWalker, type RdbStructure } from './rdb-inspector.ts';

/** The RDB reader as the core's inspector. */
export class ReaderInspector implements RdbInspector {
  async inspect(file: Readable, options: { deep: boolean; checksums: boolean }): Promise<RdbFindings> {
    const found = await inspectRdb(file as AsyncIterable<Buffer>, {
      deep: options.deep,
      sha256: options.checksums,
      ...(options.deep ? {} : { captureLimit: 0 }),
    });
    const findings = findingsOf(found);
    const oldFormat = found.rdbVersion !== null && found.rdbVersion < 5;
    // RDB 1 to 4 have no checksum in their format: a full structural read without a problem is all there is
    // to check, as Redis loads them (a live backup never produces one: its transfer refuses them itself).
    if (oldFormat && found.problem === noChecksumInFormat(found.rdbVersion!)) findings.problem = null;
    // Their last eight bytes are data, not a checksum: there is none to match.
    return { ...findings, sha256: found.sha256, checksum: oldFormat ? 'absent' : found.checksum };
  }

  walk(): RdbWalk {
    const walker = new RdbStructureWalker({ deep: false, captureLimit: 0, borrowed: true });
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
