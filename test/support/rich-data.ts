import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

/**
 * Fills a server with every data type and encoding a Redis 7 writes: raw, integer and large strings; small
 * (listpack) and large (quicklist) lists; intsets and hashtable sets; small and large hashes and sorted sets;
 * a stream with consumer groups, consumers and pending entries; keys with and without TTL in three databases;
 * and a Lua function library.
 */
export async function fillEveryType(port: number): Promise<void> {
  const client = createClient({ socket: { port, host: '127.0.0.1' } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.set('string:raw', 'hello world');
    await client.set('string:int', '-4294967297');
    await client.set('string:compressible', 'ab'.repeat(5000));
    // Random bytes do not compress, so the value stays larger than a small capture limit in the file too.
    await client.set('string:huge', randomBytes(300_000));
    await client.set('string:ttl', 'expiring', { PX: 3_600_000 });
    await client.rPush('list:small', ['a', 'b', '1', '-2']);
    await client.rPush(
      'list:big',
      Array.from({ length: 5000 }, (_, i) => `item-${i}-${'z'.repeat(i % 50)}`),
    );
    await client.sAdd('set:intset', ['1', '2', '3', '-70000', '4294967296']);
    await client.sAdd(
      'set:hashtable',
      Array.from({ length: 600 }, (_, i) => `member-${i}`),
    );
    await client.hSet('hash:small', { f1: 'v1', f2: '2' });
    await client.hSet(
      'hash:big',
      Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`field-${i}`, `value-${i}`])),
    );
    await client.zAdd('zset:small', [
      { score: 1, value: 'one' },
      { score: -2.5, value: 'minus two and a half' },
      { score: Infinity, value: 'inf' },
    ]);
    await client.zAdd(
      'zset:big',
      Array.from({ length: 300 }, (_, i) => ({ score: i / 7, value: `m${i}` })),
    );
    await client.pExpire('zset:big', 7_200_000);
    for (let i = 1; i <= 5; i++)
      await client.xAdd('stream', `${1000 + i}-0`, { field: `v${i}`, n: String(i) });
    await client.xGroupCreate('stream', 'group-a', '0');
    await client.xGroupCreate('stream', 'group-b', '1003-0');
    await client.xReadGroup('group-a', 'consumer-1', { key: 'stream', id: '>' }, { COUNT: 2 });
    await client.xReadGroup('group-a', 'consumer-2', { key: 'stream', id: '>' }, { COUNT: 1 });
    await client.xAck('stream', 'group-a', '1001-0');
    await client.xGroupCreateConsumer('stream', 'group-b', 'idle-consumer');
    await client.sendCommand([
      'FUNCTION',
      'LOAD',
      "#!lua name=restorelib\nredis.register_function('echo_first', function(keys, args) return args[1] end)",
    ]);
    await client.select(1);
    await client.set('db1:key', 'in database one');
    await client.select(5);
    await client.hSet('db5:hash', { a: '1' });
    await client.set('db5:ttl', 'soon', { PX: 86_400_000 });
  } finally {
    client.destroy();
  }
}
