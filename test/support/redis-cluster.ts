import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createCluster } from 'redis';
import { redisCli } from './redis-data.ts';
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
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      String(replicasPerMaster),
      '--cluster-yes',
    ]);
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

/** Writes `count` string keys spread over all slots, every tenth one hash-tagged, through a cluster client. */
export async function fillCluster(port: number, count: number): Promise<void> {
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
}

/** The sum of DBSIZE over the given nodes. */
export async function totalKeys(ports: number[]): Promise<number> {
  const sizes = await Promise.all(ports.map((port) => redisCli(port, ['DBSIZE'])));
  return sizes.reduce((sum, size) => sum + Number(size), 0);
}

/** The port of the master that serves a slot, read from CLUSTER NODES on the first node. */
export async function slotOwnerPort(cluster: RedisCluster, slot: number): Promise<number> {
  const nodes = await redisCli(cluster.nodes[0]!.port, ['CLUSTER', 'NODES']);
  for (const line of nodes.split('\n')) {
    // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot or range>...
    const fields = line.trim().split(' ');
    if (!fields[2]?.includes('master')) continue;
    for (const range of fields.slice(8)) {
      const [first, last = first] = range.split('-').map(Number);
      if (slot >= first! && slot <= last!) return Number(/:(\d+)@/.exec(fields[1]!)![1]);
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}
