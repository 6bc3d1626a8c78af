import { randomBytes } from 'node:crypto';
import { RedisWireError } from '../resp/redis-wire-error.ts';
import type { RespConnection } from '../resp/resp-connection.ts';
import { infoField, parseServerVersion } from '../redis-probe.ts';
import { payloadVersion } from './dump-payload.ts';

/** The RDB version of Redis 7.0, the first with function libraries (FUNCTION, and functions in RDB). */
export const FUNCTIONS_SINCE_RDB = 10;

/** What restore must know of the server it writes into. */
export interface TargetInfo {
  version: string;
  /** The RDB version of the target's own DUMP payloads: the newest it accepts from RESTORE. */
  rdbVersion: number;
  /** 0 when the target has no memory limit. */
  maxmemory: number;
  usedMemory: number;
  /** What the server used when it started, empty (used_memory_startup): what it needs besides its keys. */
  startupMemory: number;
  clusterEnabled: boolean;
  databases: number;
  /** The largest single argument the target accepts. */
  protoMaxBulkLen: number;
}

const DEFAULT_BULK_LIMIT = 512 * 1024 * 1024;

async function configNumber(connection: RespConnection, name: string): Promise<number | undefined> {
  // CONFIG may be renamed or forbidden on managed servers: then the defaults stand.
  const reply = await connection.call('CONFIG', 'GET', name);
  if (reply.type !== 'array' || reply.value.length < 2) return undefined;
  const value = reply.value[1]!;
  return value.type === 'bulk' && /^\d+$/.test(value.value) ? Number(value.value) : undefined;
}

/**
 * Reads the target's version, limits and RDB version. The RDB version is read from a real DUMP payload's footer
 * (of an existing key, or of a short-lived probe key) rather than guessed from the version string: Valkey reports
 * a Redis-compatible version of its own.
 */
export async function probeTarget(
  connection: RespConnection,
  probeKey = `dcs-backup:probe:${randomBytes(8).toString('hex')}`,
): Promise<TargetInfo> {
  const infoReply = await connection.call('INFO');
  if (infoReply.type !== 'bulk')
    throw new RedisWireError('refused', `INFO refused: ${String(infoReply.value)}`);
  const info = infoReply.value;
  return {
    version: parseServerVersion(info),
    rdbVersion: await dumpVersion(connection, probeKey),
    maxmemory: Number(infoField(info, 'maxmemory') ?? 0),
    usedMemory: Number(infoField(info, 'used_memory') ?? 0),
    startupMemory: Number(infoField(info, 'used_memory_startup') ?? 0),
    clusterEnabled: infoField(info, 'cluster_enabled') === '1',
    databases: (await configNumber(connection, 'databases')) ?? 16,
    protoMaxBulkLen: (await configNumber(connection, 'proto-max-bulk-len')) ?? DEFAULT_BULK_LIMIT,
  };
}

/** The probe key is one of the target's own slots when it is a cluster master (else it would be redirected). */
async function dumpVersion(connection: RespConnection, probeKey: string): Promise<number> {
  const set = await connection.call('SET', probeKey, 'x', 'PX', '60000');
  if (set.type === 'error') throw new RedisWireError('refused', `cannot write to the target: ${set.value}`);
  try {
    const dump = await connection.call('DUMP', probeKey);
    if (dump.type !== 'bulk') throw new RedisWireError('refused', `DUMP refused: ${String(dump.value)}`);
    return payloadVersion(dump.raw);
  } finally {
    await connection.call('DEL', probeKey);
  }
}
