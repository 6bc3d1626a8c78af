import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { inspectRdb } from '../../src/engine/rdb/rdb-inspector.ts';
import { fetchRdb } from '../../src/engine/replication/replication-client.ts';
import { type RestoreSource, restoreRdb } from '../../src/engine/restore/restore-engine.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { contentOf, openSession, type ServerContent, type Session } from '../support/logical-content.ts';
import { fileSource } from '../support/rdb-files.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { localEndpoint } from '../support/replica-pair.ts';
import { sharedBinariesAvailable, sharedBinary } from '../support/shared-bin.ts';

/**
 * Live servers, not fixtures: each is filled with every type it has, backed up through the replication client,
 * read back with the RDB reader, and restored into each of the four (itself included) with the restore engine.
 * The content must come out equal key by key: type, value, TTL (within a second), stream entries and groups,
 * function libraries, and hash field expiry where both ends have it.
 */
interface ServerKind {
  name: string;
  binary: () => string;
  magic: 'REDIS' | 'VALKEY';
  /** The RDB version a backup of it must arrive in: its own newest format. */
  rdbVersion: number;
  fieldExpiry: boolean;
}

const KINDS: ServerKind[] = [
  { name: 'Redis 7.0', binary: () => 'redis-server', magic: 'REDIS', rdbVersion: 10, fieldExpiry: false },
  {
    name: 'Redis 7.2.6',
    binary: () => sharedBinary('redis-7.2.6/redis-server'),
    magic: 'REDIS',
    rdbVersion: 11,
    fieldExpiry: false,
  },
  {
    name: 'Valkey 8.1.1',
    binary: () => sharedBinary('valkey-8.1.1/valkey-server'),
    magic: 'REDIS',
    rdbVersion: 11,
    fieldExpiry: false,
  },
  {
    name: 'Valkey 9.1.2',
    binary: () => sharedBinary('valkey-9.1.2/valkey-server'),
    magic: 'VALKEY',
    rdbVersion: 80,
    fieldExpiry: true,
  },
];

const endpoint = localEndpoint;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Every type the server has, in small and large encodings, with TTLs, in three databases, and a library. */
async function fill(session: Session, kind: ServerKind): Promise<void> {
  const run = (...args: (string | number)[]) => session.call(...args.map(String));
  await run('FLUSHALL');
  await run('FUNCTION', 'FLUSH');
  await run('SET', 'string:int', 12345);
  await run('SET', 'string:embstr', 'short value');
  await run('SET', 'string:raw', 'r'.repeat(100));
  await run('SET', 'string:compressible', 'ab'.repeat(3000));
  await run('SET', 'string:ttl', 'expiring', 'PX', 3_600_000);
  await run('RPUSH', 'list:small', 'a', 'b', '1', '-2');
  await run('RPUSH', 'list:big', ...range(300).map((i) => `item-${i}-${'z'.repeat(i % 40)}`));
  await run('SADD', 'set:intset', 1, 2, 3, -70000, 4294967296);
  await run('SADD', 'set:listpack', 'alpha', 'beta', 'gamma');
  await run('SADD', 'set:hashtable', ...range(200).map((i) => `member-${i}`));
  await run('HSET', 'hash:small', 'f1', 'v1', 'f2', 2);
  await run('HSET', 'hash:big', ...range(200).flatMap((i) => [`field-${i}`, `value-${i}`]));
  await run('ZADD', 'zset:small', 1, 'one', -2.5, 'minus two and a half', 'inf', 'inf');
  await run('ZADD', 'zset:big', ...range(200).flatMap((i) => [i / 7, `m${i}`]));
  await run('PEXPIRE', 'zset:big', 7_200_000);
  for (const i of range(5)) await run('XADD', 'stream', `${1001 + i}-0`, 'field', `v${i}`, 'n', i);
  await run('XGROUP', 'CREATE', 'stream', 'group-a', '0');
  await run('XGROUP', 'CREATE', 'stream', 'group-b', '1003-0');
  await run('XREADGROUP', 'GROUP', 'group-a', 'consumer-1', 'COUNT', 2, 'STREAMS', 'stream', '>');
  await run('XREADGROUP', 'GROUP', 'group-a', 'consumer-2', 'COUNT', 1, 'STREAMS', 'stream', '>');
  await run('XACK', 'stream', 'group-a', '1001-0');
  await run('XGROUP', 'CREATECONSUMER', 'stream', 'group-b', 'idle-consumer');
  await run(
    'FUNCTION',
    'LOAD',
    "#!lua name=matrixlib\nredis.register_function('echo_first', function(keys, args) return args[1] end)",
  );
  if (kind.fieldExpiry) {
    // A small hash with two expiring fields and one without, the key itself expiring too; a large one with two.
    await run('HSETEX', 'hash:field-ttl', 'PX', 3_600_000, 'FIELDS', 2, 'a', 1, 'b', 2);
    await run('HSET', 'hash:field-ttl', 'c', 3);
    await run('PEXPIRE', 'hash:field-ttl', 86_400_000);
    await run('HSET', 'hash:big-field-ttl', ...range(200).flatMap((i) => [`field-${i}`, `value-${i}`]));
    await run('HPEXPIRE', 'hash:big-field-ttl', 7_200_000, 'FIELDS', 2, 'field-1', 'field-2');
  }
  await run('SELECT', 1);
  await run('SET', 'db1:key', 'in database one');
  await run('SELECT', 5);
  await run('HSET', 'db5:hash', 'a', 1);
  await run('SET', 'db5:ttl', 'soon', 'PX', 86_400_000);
  await run('SELECT', 0);
}

async function backUp(port: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const { summary } = await fetchRdb({ endpoint: endpoint(port), sink });
  assert.equal(summary.problem, null);
  return Buffer.concat(chunks);
}

function bufferSource(file: Buffer): RestoreSource {
  return {
    sizeBytes: file.length,
    open: async () => Readable.from([file]),
    openRange: async (start, end) => Readable.from([file.subarray(start, end)]),
  };
}

const closeTtl = (a: number, b: number) => (a < 0 || b < 0 ? a === b : Math.abs(a - b) <= 1000);

/** Asserts the target holds what the source held; field TTLs only where both ends keep them. */
function assertSameContent(expected: ServerContent, actual: ServerContent, pair: string): void {
  assert.deepEqual([...actual.keys.keys()].sort(), [...expected.keys.keys()].sort(), `${pair}: key names`);
  for (const [name, want] of expected.keys) {
    const got = actual.keys.get(name)!;
    assert.equal(got.type, want.type, `${pair}: type of ${name}`);
    assert.deepEqual(got.value, want.value, `${pair}: value of ${name}`);
    assert.ok(closeTtl(got.pttl, want.pttl), `${pair}: TTL of ${name}: ${got.pttl} vs ${want.pttl}`);
    if (want.fieldTtls && got.fieldTtls) {
      for (const [field, ttl] of Object.entries(want.fieldTtls)) {
        const restored = got.fieldTtls[field]!;
        assert.ok(
          closeTtl(restored, ttl),
          `${pair}: TTL of field ${field} of ${name}: ${restored} vs ${ttl}`,
        );
      }
    }
  }
  assert.deepEqual(actual.functions, expected.functions, `${pair}: function libraries`);
}

describe(
  'live matrix: every source backed up and restored into every target',
  { skip: !sharedBinariesAvailable() },
  () => {
    const servers = new Map<ServerKind, RedisServer>();

    before(async () => {
      for (const kind of KINDS) {
        servers.set(kind, await startRedisServer(['--repl-diskless-sync-delay', '0'], kind.binary()));
      }
    });
    after(async () => {
      for (const server of servers.values()) await server.stop();
    });

    for (const source of KINDS) {
      describe(`${source.name} as the source`, () => {
        let file: Buffer;
        let expected: ServerContent;

        it(`is backed up in its own format (${source.magic} RDB ${source.rdbVersion}) that the reader reads whole`, async () => {
          const port = servers.get(source)!.port;
          const session = await openSession(port);
          try {
            await fill(session, source);
          } finally {
            session.close();
          }
          expected = await contentOf(port, { fieldExpiry: source.fieldExpiry });
          file = await backUp(port);
          const read = await inspectRdb([file], { deep: true });
          assert.equal(read.problem, null);
          assert.equal(read.checksum, 'ok');
          assert.equal(read.magic, source.magic);
          assert.equal(read.rdbVersion, source.rdbVersion);
          const keys = Object.values(read.keysPerDb).reduce((a, b) => a + b, 0);
          assert.equal(keys, expected.keys.size);
          assert.equal(read.functions, 1);
          if (source.fieldExpiry) assert.equal(read.keysPerType['hash-2'], 2);
        });

        for (const target of KINDS) {
          it(`restores into ${target.name} with the same content`, async () => {
            assert.ok(file, 'the backup of the source failed');
            const port = servers.get(target)!.port;
            const report = await restoreRdb({
              target: endpoint(port),
              source: bufferSource(file),
              now: Date.now,
            });
            const restored = await contentOf(port, { fieldExpiry: target.fieldExpiry });
            assertSameContent(expected, restored, `${source.name} → ${target.name}`);
            const expiryLost = source.fieldExpiry && !target.fieldExpiry;
            assert.equal(
              report.warnings.some((w) => /field expiry/.test(w)),
              expiryLost,
              `warnings: ${report.warnings.join('; ')}`,
            );
          });
        }
      });
    }

    // Redis 7.4 writes hashes with field expiry under its own codes, which Valkey 9 does not load: they are
    // rebuilt with HSET and HPEXPIREAT there, and keep each field's expiry.
    for (const name of ['hash_with_expire_v12.rdb', 'hash_lp_with_hexpire_v12.rdb']) {
      it(
        `rebuilds the Redis 7.4 hash of ${name} in Valkey 9 with its field expiries`,
        { skip: !fixturesAvailable() },
        async () => {
          const valkey9 = KINDS.find((k) => k.fieldExpiry)!;
          const port = servers.get(valkey9)!.port;
          const report = await restoreRdb({
            target: endpoint(port),
            source: fileSource(fixturePath(name)),
            now: Date.now,
          });
          assert.equal(report.keysRewritten, 1);
          assert.deepEqual(report.warnings, []);
          const restored = await contentOf(port, { fieldExpiry: true });
          const hash = restored.keys.get('0/myhash')!;
          assert.deepEqual(hash.value, { field1: 'value1', field2: 'value2', field3: 'value3' });
          const ttls = hash.fieldTtls!;
          assert.equal(ttls.field3, -1);
          assert.ok(
            ttls.field1! > Date.UTC(4000, 0, 1) && ttls.field2! > Date.UTC(4000, 0, 1),
            JSON.stringify(ttls),
          );
          assert.notEqual(ttls.field1, ttls.field2);
        },
      );
    }
  },
);
