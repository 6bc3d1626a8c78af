import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate } from '../../src/engine/resp/authenticate.ts';
import { RespConnection, type RespReply } from '../../src/engine/resp/resp-connection.ts';
import { parseReplicationInfo, type ReplicationInfo } from '../../src/engine/topology/replication-info.ts';
import { command } from './redis-inspect.ts';
import { freePort, serverOf, startRedisServer, type RedisServer } from './redis-server.ts';

export const MASTER_NAME = 'orders';

/** A master, one replica and three Sentinels (quorum 2) on free loopback ports. */
export interface SentinelTopology {
  master: RedisServer;
  replica: RedisServer;
  sentinels: RedisServer[];
  /** host:port of each Sentinel, as a redis-sentinel:// URL lists them. */
  sentinelList: string;
  stop(): Promise<void>;
}

/** Both data nodes sync without the default diskless delay, so each backup starts at once. */
const DATA_NODE_ARGS = ['--repl-diskless-sync-delay', '0'];

/**
 * Starts the pair, waits for the replica's link, then starts the Sentinels (config files in a temporary
 * directory: down-after 1 s, failover-timeout 3 s) and waits until each knows the replica and the other two.
 */
export async function startSentinelTopology(options: { password?: string } = {}): Promise<SentinelTopology> {
  const { password } = options;
  // With a password, both data nodes require it and use it for their link (the replica may become master).
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const master = await startRedisServer([...DATA_NODE_ARGS, ...auth]);
  const replica = await startRedisServer([
    ...DATA_NODE_ARGS,
    ...auth,
    '--replicaof',
    '127.0.0.1',
    String(master.port),
  ]);
  const sentinels: RedisServer[] = [];
  const stopAll = async () => {
    for (const server of [...sentinels, replica, master]) await server.stop();
  };
  try {
    await waitUntil(
      'the replica is in sync',
      async () => (await replicationOf(replica.port, password)).linkUp,
    );
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(master.port, password));
    for (const sentinel of sentinels) {
      await waitUntil('each Sentinel knows the replica and the other Sentinels', async () => {
        const known = await sentinelMasterFields(sentinel.port);
        const replicas = await command(sentinel.port, 'SENTINEL', 'REPLICAS', MASTER_NAME);
        return (
          known.get('num-other-sentinels') === '2' &&
          replicas.type === 'array' &&
          replicas.value.length === 1 &&
          fieldsOf(replicas.value[0]!).get('flags') === 'slave'
        );
      });
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    master,
    replica,
    sentinels,
    sentinelList: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    stop: stopAll,
  };
}

async function startSentinel(masterPort: number, dataPassword?: string): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-sentinel-'));
  const port = await freePort();
  const config = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 3000`,
      ...(dataPassword ? [`sentinel auth-pass ${MASTER_NAME} ${dataPassword}`] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [config, '--sentinel'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return serverOf(child, port, dir);
}

/** INFO replication of a data node, parsed as the service reads it. */
export async function replicationOf(port: number, password?: string): Promise<ReplicationInfo> {
  const reply = await dataCommand(port, password, 'INFO', 'replication');
  return parseReplicationInfo(reply.type === 'bulk' ? reply.value : '');
}

/** One command to a data node, with its password when it has one. */
export async function dataCommand(
  port: number,
  password: string | undefined,
  ...args: string[]
): Promise<RespReply> {
  if (!password) return command(port, ...args);
  const endpoint = { host: '127.0.0.1', port, db: 0, username: null, password, tls: false };
  const connection = await RespConnection.open(endpoint, 10_000);
  try {
    await authenticate(connection, endpoint);
    return await connection.call(...args);
  } finally {
    connection.close();
  }
}

/** The master's port as a Sentinel names it now. */
export async function masterPortBy(sentinelPort: number): Promise<number | null> {
  const reply = await command(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME);
  return reply.type === 'array' ? Number(reply.value[1]!.value) : null;
}

/**
 * SENTINEL FAILOVER, then waits until the topology settled: every Sentinel names the new master, and the old
 * master (demoted by the Sentinels) follows it with its link up.
 */
export async function failOver(
  topology: SentinelTopology,
  from: RedisServer,
  to: RedisServer,
): Promise<void> {
  const asked = await command(topology.sentinels[0]!.port, 'SENTINEL', 'FAILOVER', MASTER_NAME);
  if (asked.type === 'error') throw new Error(`SENTINEL FAILOVER refused: ${asked.value}`);
  for (const sentinel of topology.sentinels) {
    await waitUntil(
      'every Sentinel names the new master',
      async () => (await masterPortBy(sentinel.port)) === to.port,
    );
  }
  await waitUntil('the old master follows the new one', async () => {
    const old = await replicationOf(from.port);
    return old.role === 'replica' && old.master?.port === to.port && old.linkUp;
  });
  await waitUntil('the new master sees its replica online', async () => {
    const info = await replicationOf(to.port);
    return info.role === 'master' && info.replicas.some((r) => r.port === from.port && r.state === 'online');
  });
  // The backup's source chooser asks a Sentinel about the replica: each must list it, no longer flagged down.
  for (const sentinel of topology.sentinels) {
    await waitUntil('every Sentinel sees the old master as a healthy replica', async () => {
      const reply = await command(sentinel.port, 'SENTINEL', 'REPLICAS', MASTER_NAME);
      if (reply.type !== 'array') return false;
      return (reply.value as { type: string; value: unknown }[]).some((entry) => {
        const fields = fieldsOf(entry);
        return (
          fields.get('port') === String(from.port) &&
          !/s_down|o_down|disconnected/.test(fields.get('flags') ?? '') &&
          fields.get('master-link-status') === 'ok'
        );
      });
    });
  }
}

async function sentinelMasterFields(port: number): Promise<Map<string, string>> {
  const reply = await command(port, 'SENTINEL', 'MASTER', MASTER_NAME);
  return reply.type === 'array' ? fieldsOf(reply) : new Map();
}

function fieldsOf(reply: { type: string; value: unknown }): Map<string, string> {
  const fields = new Map<string, string>();
  if (reply.type !== 'array') return fields;
  const items = reply.value as { value: unknown }[];
  for (let i = 0; i + 1 < items.length; i += 2)
    fields.set(String(items[i]!.value), String(items[i + 1]!.value));
  return fields;
}

/** Polls a condition (errors count as not yet) until it holds; fails naming it after 60 s. */
export async function waitUntil(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await condition().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting until ${what}`);
}
