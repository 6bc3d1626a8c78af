import { emptyKeysWarning } from '../../core/empty-keys.ts';
import { isValkeyOwnType, typeInfo, typeName } from '../rdb/rdb-types.ts';
import { FIELD_EXPIRY_SINCE_RDB } from './command-rewrite.ts';
import { FUNCTIONS_SINCE_RDB, type TargetInfo } from './target-probe.ts';

/**
 * How a key of a given type reaches the target:
 * - "restore": RESTORE with the payload as the file has it;
 * - "relabel": RESTORE with the footer's version lowered to the target's, which knows the type code;
 * - "rewrite": the target does not know the type code, so the key is rebuilt with ordinary commands.
 */
export type KeyRoute = 'restore' | 'relabel' | 'rewrite';

export interface RestorePlan {
  /** The version written in each payload's footer. */
  footerVersion: number;
  routes: Map<number, KeyRoute>;
  /** Why the backup cannot go into this target; restore must not start while there is any. */
  problems: string[];
  /** What will not be carried over exactly (said in the record's detail). */
  warnings: string[];
}

/** Valkey 8+ writes its own RDB numbers from 80 on; its loader knows the Redis type codes up to RDB 11. */
const VALKEY_FIRST_OWN_VERSION = 80;
const VALKEY_COMPATIBLE_VERSION = 11;
/** Functions exist from Redis 7.0 (RDB 10). */
/** RESTORE adds the type byte, the 2-byte version and the 8-byte CRC to the value. */
const PAYLOAD_OVERHEAD = 11;

/** What the plan needs to know of the backup: from a read of the whole file, or recorded after the backup. */
export interface BackupContent {
  magic: 'REDIS' | 'VALKEY' | null;
  rdbVersion: number | null;
  typeCodes: number[];
  /** Keys per database, keys holding an empty collection left out. */
  keysPerDb: Record<string, number>;
  /** Keys per type name, when known (a restore counts on field-expiry hashes possibly vanishing). */
  keysPerType?: Record<string, number>;
  keysWithExpiry: number;
  /** Keys holding an empty collection: Redis skips them on load, and so does restore. Absent: not counted. */
  emptyKeys?: number;
  functions: number;
  modules: string[];
  largestValueBytes: number;
  /** The largest value of each type code, when known. */
  largestValueByType?: Record<string, number>;
  /** used-mem from the file's AUX fields. */
  usedMemory: number | null;
  problem: string | null;
}

/** Decides, before anything is written, whether and how each key of the backup can go into the target. */
export function planRestore(
  inspection: BackupContent,
  target: TargetInfo,
  limits: {
    rewriteHoldBytes: number;
    /** The caller sends each key to the cluster master serving its slot (cluster-restore.ts). */
    routedBySlot?: boolean;
  },
): RestorePlan {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (inspection.emptyKeys) warnings.push(emptyKeysWarning(inspection.emptyKeys));
  if (inspection.problem) problems.push(`the backup file does not read cleanly: ${inspection.problem}`);
  const fileVersion = inspection.rdbVersion ?? 0;
  // What the target's loader understands, in Redis RDB numbers, and the newest footer it accepts.
  const valkeyTarget = target.rdbVersion >= VALKEY_FIRST_OWN_VERSION;
  const knownUpTo = valkeyTarget ? VALKEY_COMPATIBLE_VERSION : target.rdbVersion;
  const sameFamily = valkeyTarget === (inspection.magic === 'VALKEY');
  const footerVersion =
    sameFamily && fileVersion <= target.rdbVersion ? fileVersion : Math.min(fileVersion, knownUpTo);

  const routes = new Map<number, KeyRoute>();
  const magic = inspection.magic ?? 'REDIS';
  for (const type of inspection.typeCodes) {
    const info = typeInfo(magic, type);
    if (!info) {
      problems.push(`the backup holds values of type ${type}, which this service cannot read`);
      continue;
    }
    if (info.kind === 'module') {
      problems.push(
        `the backup holds module data (${inspection.modules.join(', ') || 'unknown module'}), which restore does not carry over`,
      );
      continue;
    }
    // Valkey's own codes (22 on in a VALKEY file) mean other things to Redis: only Valkey 9+ knows them.
    const known = isValkeyOwnType(magic, type)
      ? valkeyTarget && info.minRdbVersion <= target.rdbVersion
      : info.minRdbVersion <= knownUpTo;
    if (known) routes.set(type, footerVersion === fileVersion ? 'restore' : 'relabel');
    else {
      routes.set(type, 'rewrite');
      // A key rebuilt with commands is decoded whole in memory first: refuse one too large before anything is written.
      const largest = inspection.largestValueByType?.[type] ?? 0;
      if (largest > limits.rewriteHoldBytes) {
        problems.push(
          `a ${info.name} value of ${largest} bytes must be rebuilt with commands for this target and is larger than restore holds in memory (${limits.rewriteHoldBytes} bytes)`,
        );
      }
      if (info.kind === 'hash' && target.rdbVersion < FIELD_EXPIRY_SINCE_RDB) {
        warnings.push(
          `hashes stored as ${info.name} are rebuilt with HSET; per-field expiry times are not carried over (the target, RDB ${target.rdbVersion}, has no field expiry)`,
        );
      }
    }
  }
  if (inspection.modules.length > 0 && !problems.some((p) => p.includes('module'))) {
    problems.push(
      `the backup holds module data (${inspection.modules.join(', ')}), which restore does not carry over`,
    );
  }
  if (inspection.functions > 0 && target.rdbVersion < FUNCTIONS_SINCE_RDB) {
    problems.push(
      `the backup holds ${inspection.functions} function libraries, and the target (${target.version}) has no functions`,
    );
  }
  const dbs = Object.keys(inspection.keysPerDb).map(Number);
  const highest = dbs.length > 0 ? Math.max(...dbs) : 0;
  if (target.clusterEnabled && !limits.routedBySlot) {
    problems.push(
      'the target runs in cluster mode: restore into it as a cluster instance, so that each key goes to the master serving its slot',
    );
  } else if (target.clusterEnabled && highest > 0) {
    problems.push(`the backup has keys in database ${highest}, and a cluster has only database 0`);
  } else if (highest >= target.databases) {
    problems.push(
      `the backup has keys in database ${highest}, and the target has only ${target.databases} databases`,
    );
  }
  const usedMemory = inspection.usedMemory ?? 0;
  if (target.maxmemory > 0 && usedMemory > target.maxmemory) {
    problems.push(
      `the source used ${usedMemory} bytes of memory when backed up, more than the target's maxmemory of ${target.maxmemory} bytes`,
    );
  }
  if (inspection.largestValueBytes + PAYLOAD_OVERHEAD > target.protoMaxBulkLen) {
    problems.push(
      `a value of ${inspection.largestValueBytes} bytes exceeds the target's proto-max-bulk-len (${target.protoMaxBulkLen})`,
    );
  }
  return { footerVersion, routes, problems, warnings };
}

/** A short account of the plan for logs and the record's detail: "set-listpack: rewrite; string: relabel". */
export function describeRoutes(plan: RestorePlan, magic: 'REDIS' | 'VALKEY'): string {
  return [...plan.routes].map(([type, route]) => `${typeName(magic, type)}: ${route}`).join('; ');
}
