import { command } from './redis-inspect.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

/**
 * Two redis-servers, the second a replica of the first, returned once the primary counts it connected: a
 * target "with replicas of its own", which the restore fast path must not take. The caller stops both.
 */
export async function startPrimaryWithReplica(): Promise<{ primary: RedisServer; replica: RedisServer }> {
  const primary = await startRedisServer();
  const replica = await startRedisServer();
  await command(replica.port, 'REPLICAOF', '127.0.0.1', String(primary.port));
  for (let i = 0; i < 100; i++) {
    const info = await command(primary.port, 'INFO', 'replication');
    if (/connected_slaves:1/.test(String(info.value))) return { primary, replica };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await replica.stop();
  await primary.stop();
  throw new Error('the replica did not connect to its primary within 5 s');
}

/** The endpoint of a redis-server on this machine, as instances and the engine take it. */
export const localEndpoint = (port: number) => ({
  host: '127.0.0.1',
  port,
  db: 0,
  username: null,
  password: null,
  tls: false,
});
