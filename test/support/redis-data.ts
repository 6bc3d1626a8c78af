import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';

const run = promisify(execFile);

/** Runs one redis-cli command against a test server and returns its trimmed output. */
export async function redisCli(
  port: number,
  args: string[],
  auth?: { user?: string; password: string },
): Promise<string> {
  const authArgs = auth
    ? [...(auth.user ? ['--user', auth.user] : []), '--pass', auth.password, '--no-auth-warning']
    : [];
  // A server that accepts and never answers fails the command instead of holding the test.
  const { stdout } = await run('redis-cli', ['-p', String(port), ...authArgs, ...args], { timeout: 30_000 });
  return stdout.trim();
}

/** Fills a server with every basic type across two databases, with and without TTLs. */
export async function fillSampleData(port: number, password?: string): Promise<void> {
  const client = createClient({ socket: { port, host: '127.0.0.1' }, password });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.set('string:plain', 'hello');
    await client.set('string:int', '12345');
    await client.set('string:big', 'x'.repeat(100_000));
    await client.set('string:ttl', 'expiring', { EX: 3600 });
    await client.rPush('list', ['a', 'b', 'c', ...Array.from({ length: 300 }, (_, i) => `item-${i}`)]);
    await client.sAdd('set:int', ['1', '2', '3']);
    await client.sAdd('set:str', ['x', 'y', 'z']);
    await client.hSet('hash', { f1: 'v1', f2: 'v2', big: 'y'.repeat(1000) });
    await client.zAdd('zset', [
      { score: 1, value: 'one' },
      { score: 2.5, value: 'two and a half' },
    ]);
    await client.xAdd('stream', '*', { field: 'value' });
    await client.select(3);
    await client.set('db3:key', 'in database three');
  } finally {
    client.destroy();
  }
}

/** DBSIZE per database and the server's DEBUG DIGEST (needs enable-debug-command). */
export async function snapshotOf(port: number, password?: string): Promise<{ keys: string; digest: string }> {
  const auth = password ? { password } : undefined;
  const keys = (await redisCli(port, ['INFO', 'keyspace'], auth))
    .split('\n')
    .filter((line) => line.startsWith('db'))
    .map((line) => line.replace(/,avg_ttl=\d+/, '').trim())
    .join(';');
  return { keys, digest: await redisCli(port, ['DEBUG', 'DIGEST'], auth) };
}
