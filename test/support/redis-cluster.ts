import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createCluster } from 'redis';
import { DEFAULT_REPLICA_BOUNDS } from '../../src/engine/topology/choose-backup-source.ts';
import {
  parseReplicationInfo,
  type AnnouncedReplica,
  type ReplicationInfo,
} from '../../src/engine/topology/replication-info.ts';
import { redisCli } from './redis-data.ts';
import { RespRedisProbe } from '../../src/engine/redis-probe.ts';
import { command } from './redis-inspect.ts';
import { localEndpoint } from './replica-pair.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

const run = promisify(execFile);

export interface RedisCluster {
  /** Every node, masters first as redis-cli --cluster create assigned them. */
  nodes: RedisServer[];
  /** Ports of the nodes that are masters now. */
  masterPorts(): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * A real local Redis Cluster: `masters` masters with `replicasPerMaster` replicas each, created by
 * redis-cli --cluster create, returned once every node says cluster_state:ok and every replica's link is up.
 */
export async function startRedisCluster(
  masters = 3,
  replicasPerMaster = 1,
  binary = 'redis-server',
): Promise<RedisCluster> {
  const count = masters * (1 + replicasPerMaster);
  const nodes = await Promise.all(
    Array.from({ length: count }, () =>
      startRedisServer(
        [
          '--cluster-enabled',
          'yes',
          // Relative to the node's own temporary --dir.
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '2000',
          '--repl-diskless-sync-delay',
          '0',
        ],
        binary,
      ),
    ),
  );
  const cluster: RedisCluster = {
    nodes,
    async masterPorts() {
      const roles = await Promise.all(
        nodes.map(async (node) => {
          try {
            return { port: node.port, role: await redisCli(node.port, ['ROLE']) };
          } catch {
            return { port: node.port, role: '' };
          }
        }),
      );
      return roles.filter((r) => r.role.startsWith('master')).map((r) => r.port);
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
  try {
    // redis-cli waits for the nodes to join with no limit of its own: a node that never joins would hold the test.
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        String(replicasPerMaster),
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    await waitForClusterOk(nodes.map((node) => node.port));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Waits until every node reports cluster_state:ok and every replica's link to its master is up. */
export async function waitForClusterOk(ports: number[], attempts = 400): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const ready = await Promise.all(
      ports.map(async (port) => {
        const state = await redisCli(port, ['CLUSTER', 'INFO']).catch(() => '');
        if (!/cluster_state:ok/.test(state)) return false;
        const replication = await redisCli(port, ['INFO', 'replication']).catch(() => '');
        return /role:master/.test(replication) || /master_link_status:up/.test(replication);
      }),
    );
    if (ready.every(Boolean)) return;
    await sleep(50);
  }
  throw new Error('the cluster did not reach cluster_state:ok');
}

/**
 * Writes `count` string keys (and some hashes) spread over all slots, every tenth one hash-tagged, through a
 * cluster client; returns once the replicas hold them too.
 */
export async function fillCluster(cluster: RedisCluster, count: number): Promise<void> {
  const port = cluster.nodes[0]!.port;
  const client = createCluster({ rootNodes: [{ socket: { host: '127.0.0.1', port } }] });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const key = i % 10 === 0 ? `{user:${i % 7}}:key:${i}` : `key:${i}`;
      writes.push(client.set(key, `value-${i}`));
      if (i % 10 === 1) writes.push(client.hSet(`hash:${i}`, { a: '1', b: String(i) }));
    }
    await Promise.all(writes);
  } finally {
    client.destroy();
  }
  await waitForReplicasInStep(cluster);
  await waitForHealthyReplicas(cluster);
}

/** Waits until every master's replicas have acknowledged all its writes (offsets equal). */
export async function waitForReplicasInStep(cluster: RedisCluster, attempts = 400): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const masters = await cluster.masterPorts();
    const inStep = await Promise.all(
      masters.map(async (port) => {
        const info = await redisCli(port, ['INFO', 'replication']);
        const offset = /^master_repl_offset:(\d+)/m.exec(info)?.[1];
        const replicas = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => m[1]);
        return replicas.length > 0 && replicas.every((r) => r === offset);
      }),
    );
    if (inStep.every(Boolean)) return;
    await sleep(50);
  }
  throw new Error('the replicas did not catch up with their masters');
}

/**
 * Waits until every replica is what a backup's choice of source takes: seen online by its master within the lag
 * and offset bounds, reporting its own link up and recently heard from (choose-backup-source.ts's rule, stricter
 * than the shard chooser's link check), and called online in every node's CLUSTER SHARDS. Equal offsets alone
 * say neither what the replica thinks of its link nor what the node the topology is read from thinks of it.
 */
export async function waitForHealthyReplicas(cluster: RedisCluster, attempts = 400): Promise<void> {
  const bounds = DEFAULT_REPLICA_BOUNDS;
  // Over RESP, not redis-cli: a dozen processes spawned per look cost seconds on a busy machine.
  const replication = async (port: number) =>
    parseReplicationInfo(String((await command(port, 'INFO', 'replication')).value));
  const healthyReplica = async (master: ReplicationInfo, replica: AnnouncedReplica) => {
    const own = await replication(replica.port);
    const behind = master.offset === null || replica.offset === null ? 0 : master.offset - replica.offset;
    return (
      replica.state === 'online' &&
      (replica.lagSeconds ?? 0) <= bounds.maxAckLagSeconds &&
      behind <= bounds.maxOffsetLagBytes &&
      own.role === 'replica' &&
      own.linkUp &&
      (own.lastIoSecondsAgo ?? 0) <= bounds.maxLastIoSeconds
    );
  };
  for (let attempt = 0; attempt < attempts; attempt++) {
    const views = await Promise.all(cluster.nodes.map((node) => replication(node.port).catch(() => null)));
    const masters = views.filter((view) => view?.role === 'master') as ReplicationInfo[];
    const healthy = await Promise.all(
      masters.map(async (master) => {
        const replicas = await Promise.all(master.replicas.map((r) => healthyReplica(master, r)));
        return replicas.length > 0 && replicas.every(Boolean);
      }),
    ).catch(() => [false]);
    if (masters.length > 0 && healthy.every(Boolean) && (await everyNodeSeesReplicasOnline(cluster))) return;
    await sleep(50);
  }
  throw new Error("the replicas did not become healthy sources (link up, within the chooser's bounds)");
}

/**
 * Whether every node's CLUSTER SHARDS, which the backup reads its topology from, calls every replica online: a
 * node calls a replica "loading" until gossip brought it the replica's replication offset, and the shard
 * chooser passes over replicas not online.
 */
async function everyNodeSeesReplicasOnline(cluster: RedisCluster): Promise<boolean> {
  const probe = new RespRedisProbe();
  const views = await Promise.all(
    cluster.nodes.map((node) => probe.shards(localEndpoint(node.port)).catch(() => null)),
  );
  return views.every(
    (shards) =>
      shards !== null &&
      shards.every((shard) => shard.replicas.length > 0 && shard.replicas.every((r) => r.healthy)),
  );
}

/** The sum of DBSIZE over the given nodes. */
export async function totalKeys(ports: number[]): Promise<number> {
  const sizes = await Promise.all(ports.map((port) => redisCli(port, ['DBSIZE'])));
  return sizes.reduce((sum, size) => sum + Number(size), 0);
}

/** The port of the master that serves a slot, read from CLUSTER NODES on the first node. */
export async function slotOwnerPort(cluster: RedisCluster, slot: number): Promise<number> {
  const owner = await slotOwnerSeenBy(cluster.nodes[0]!.port, slot);
  if (owner === undefined) throw new Error(`no master serves slot ${slot}`);
  return owner;
}

/** The port of the master that the node on `port` believes serves the slot, if it knows of one. */
export async function slotOwnerSeenBy(port: number, slot: number): Promise<number | undefined> {
  const nodes = await redisCli(port, ['CLUSTER', 'NODES']);
  for (const line of nodes.split('\n')) {
    // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>...
    const fields = line.trim().split(' ');
    if (!fields[2]?.includes('master')) continue;
    for (const range of fields.slice(8)) {
      const [first, last = first] = range.split('-').map(Number);
      if (slot >= first! && slot <= last!) return Number(/:(\d+)@/.exec(fields[1]!)![1]);
    }
  }
  return undefined;
}

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The hash slot of a key: of its hash tag (the text between the first { and the next }) when not empty. */
export function keySlot(key: Buffer): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key.subarray(open + 1, close)) % 16384;
  }
  return crc16(key) % 16384;
}

/** The port of the replica that follows the master at `masterPort`, read from CLUSTER NODES. */
export async function replicaOf(cluster: RedisCluster, masterPort: number): Promise<number> {
  const lines = (await redisCli(cluster.nodes[0]!.port, ['CLUSTER', 'NODES'])).split('\n');
  const portOf = (field: string) => Number(/:(\d+)@/.exec(field)![1]);
  const master = lines.map((l) => l.trim().split(' ')).find((f) => portOf(f[1]!) === masterPort)!;
  const replica = lines.map((l) => l.trim().split(' ')).find((f) => f[3] === master[0]);
  if (!replica) throw new Error(`no replica follows ${masterPort}`);
  return portOf(replica[1]!);
}
