import { randomBytes } from 'node:crypto';
import { typeInfo, type ValueKind } from '../rdb/rdb-types.ts';
import type { RespConnection } from '../resp/resp-connection.ts';
import type { BackupContent, RestorePlan } from './restore-plan.ts';
import { RestoreRefused } from './restore-types.ts';
import { FUNCTIONS_SINCE_RDB, type TargetInfo } from './target-probe.ts';

/** XSETID options, XGROUP CREATECONSUMER: what a stream is rebuilt with on targets from RDB 10. */
const STREAM_V2_SINCE_RDB = 10;

/**
 * Checks, without changing the target, that it will take every command the restore is going to send:
 * each database the backup uses is selected for real (and the first one selected again), and the write
 * commands are queued in a MULTI that is then discarded. A queued command is checked as it is queued (known,
 * not renamed away, arity, ACL permissions on the command and its key) and never runs. Throws RestoreRefused.
 */
export async function checkTargetPermits(
  connection: RespConnection,
  plan: RestorePlan,
  content: BackupContent,
  target: TargetInfo,
  probeKey = `dcs-backup:permits:${randomBytes(8).toString('hex')}`,
): Promise<void> {
  await checkDatabases(connection, content);
  await checkCommands(connection, commandsToSend(plan, content, target, probeKey));
}

async function checkDatabases(connection: RespConnection, content: BackupContent): Promise<void> {
  const dbs = Object.keys(content.keysPerDb)
    .map(Number)
    .filter((db) => db !== 0);
  if (dbs.length === 0) return;
  try {
    for (const db of dbs) {
      const reply = await connection.call('SELECT', String(db));
      if (reply.type === 'error') {
        throw new RestoreRefused(
          `the backup has keys in database ${db}, which the target refuses: ${reply.value}`,
        );
      }
    }
  } finally {
    await connection.call('SELECT', '0');
  }
}

async function checkCommands(connection: RespConnection, commands: string[][]): Promise<void> {
  const multi = await connection.call('MULTI');
  // A server or proxy without MULTI cannot be asked this way; the restore does not need MULTI itself.
  if (multi.type === 'error') return;
  const refusals: string[] = [];
  try {
    for (const command of commands) {
      const reply = await connection.call(...command);
      // OOM speaks of the data the flush is about to remove; the memory the backup needs is the plan's to judge.
      if (reply.type === 'error' && !reply.value.startsWith('OOM')) {
        refusals.push(`${commandName(command)}: ${reply.value}`);
      }
    }
  } finally {
    await connection.call('DISCARD');
  }
  if (refusals.length > 0) {
    throw new RestoreRefused(`the target refuses commands the restore needs (${refusals.join('; ')})`);
  }
}

/** FLUSHALL, RESTORE; FUNCTION RESTORE, XGROUP CREATE: the name without the probe's arguments. */
function commandName(command: string[]): string {
  return command[0] === 'FUNCTION' || command[0] === 'XGROUP' ? `${command[0]} ${command[1]}` : command[0]!;
}

/** One of each command the restore will send, with a key of its own. */
function commandsToSend(
  plan: RestorePlan,
  content: BackupContent,
  target: TargetInfo,
  key: string,
): string[][] {
  const commands: string[][] = [['FLUSHALL']];
  if (target.rdbVersion >= FUNCTIONS_SINCE_RDB) {
    commands.push(content.functions > 0 ? ['FUNCTION', 'RESTORE', 'x', 'FLUSH'] : ['FUNCTION', 'FLUSH']);
  }
  const kinds = new Set<ValueKind>();
  let restores = false;
  for (const [type, route] of plan.routes) {
    if (route !== 'rewrite') restores = true;
    else kinds.add(typeInfo(content.magic ?? 'REDIS', type)!.kind);
  }
  if (restores) commands.push(['RESTORE', key, '0', 'x', 'REPLACE', 'ABSTTL', 'IDLETIME', '1']);
  for (const kind of kinds) commands.push(...rebuildCommands(kind, key, target));
  if (kinds.size > 0 && content.keysWithExpiry > 0) commands.push(['PEXPIREAT', key, '1']);
  return commands;
}

/** What command-path rewriting (command-rewrite.ts) sends for a kind of value. */
function rebuildCommands(kind: ValueKind, key: string, target: TargetInfo): string[][] {
  switch (kind) {
    case 'string':
      return [['SET', key, 'v']];
    case 'list':
      return [['RPUSH', key, 'v']];
    case 'set':
      return [['SADD', key, 'v']];
    case 'zset':
      return [['ZADD', key, '1', 'v']];
    case 'hash':
      return [['HSET', key, 'f', 'v']];
    case 'stream': {
      const commands = [
        ['XADD', key, '1-1', 'f', 'v'],
        ['XSETID', key, '1-1'],
        ['XGROUP', 'CREATE', key, 'g', '0'],
        ['XCLAIM', key, 'g', 'c', '0', '1-1', 'FORCE', 'JUSTID'],
      ];
      if (target.rdbVersion >= STREAM_V2_SINCE_RDB)
        commands.push(['XGROUP', 'CREATECONSUMER', key, 'g', 'c']);
      return commands;
    }
    case 'module':
      return [];
  }
}
