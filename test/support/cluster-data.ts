import { createCluster } from 'redis';
import { keyContent, type KeyContent, openSession, plain } from './logical-content.ts';
import type { RedisCluster } from './redis-cluster.ts';
import { waitForReplicasInStep } from './redis-cluster.ts';

/**
 * Fills a cluster with keys of every type spread over all slots: strings (small, integer, 20 KB), lists, sets
 * (intset and hashtable), hashes, sorted sets, streams with a consumer group and pending entries, a third of
 * them with a TTL, and every fifth one hash-tagged so that tagged keys share slots. Waits for the replicas.
 */
export async function fillClusterEveryType(cluster: RedisCluster, groups: number): Promise<void> {
  const port = cluster.nodes[0]!.port;
  const client = createCluster({ rootNodes: [{ socket: { host: '127.0.0.1', port } }] });
  client.on('error', () => undefined);
  await client.connect();
  const send = (key: string, ...args: string[]) => client.sendCommand(key, false, args);
  try {
    for (let i = 0; i < groups; i++) {
      const tag = i % 5 === 0 ? `{tag:${i % 11}}` : '';
      const k = (kind: string) => `${tag}${kind}:${i}`;
      const writes: Promise<unknown>[] = [
        send(k('str'), 'SET', k('str'), `value-${i}`),
        send(k('int'), 'SET', k('int'), String(i * 7919 - 100_000)),
        send(k('list'), 'RPUSH', k('list'), 'a', String(i), 'c'),
        send(k('intset'), 'SADD', k('intset'), '1', String(i), '-5'),
        send(k('set'), 'SADD', k('set'), 'x', `m${i}`, 'z'),
        send(k('hash'), 'HSET', k('hash'), 'f', String(i), 'g', 'two'),
        send(k('zset'), 'ZADD', k('zset'), '1.5', 'a', String(i), 'b'),
      ];
      if (i % 20 === 0) writes.push(send(k('big'), 'SET', k('big'), 'v'.repeat(20_000) + i));
      await Promise.all(writes);
      if (i % 25 === 0) {
        await send(k('stream'), 'XADD', k('stream'), '1-1', 'f', 'v');
        await send(k('stream'), 'XADD', k('stream'), '2-1', 'f', 'w');
        await send(k('stream'), 'XGROUP', 'CREATE', k('stream'), 'g', '0');
        await send(k('stream'), 'XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', k('stream'), '>');
      }
      if (i % 3 === 0) await send(k('str'), 'PEXPIRE', k('str'), String(3_600_000 + i));
    }
  } finally {
    client.destroy();
  }
  if (cluster.nodes.length > (await cluster.masterPorts()).length) await waitForReplicasInStep(cluster);
}

/** Every key of database 0 of the given servers (a cluster's masters, or one server) as content. */
export async function contentOfAll(ports: number[]): Promise<Map<string, KeyContent>> {
  const all = new Map<string, KeyContent>();
  for (const port of ports) {
    const session = await openSession(port);
    try {
      // A cluster replica answers reads only after READONLY; a standalone server refuses the command.
      await session.call('READONLY').catch(() => undefined);
      for (const name of plain(await session.call('KEYS', '*')) as string[]) {
        all.set(name, await keyContent(session, name));
      }
    } finally {
      session.close();
    }
  }
  return all;
}
