import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeBinaryCommand } from '../../src/engine/restore/resp-command.ts';
import { restoreAof } from '../../src/engine/restore/restore-aof.ts';
import { RestoreRefused } from '../../src/engine/restore/restore-types.ts';
import { contentOf, openSession } from '../support/logical-content.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

const at = (port: number) => ({ host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false });

/** An AOF of `keys` string keys of 1 KB each, in chunks as a file read gives them. */
function aofOf(keys: number, extra: Buffer[] = []): Buffer[] {
  const value = Buffer.alloc(1024, 'v');
  const chunks: Buffer[] = [];
  for (let i = 0; i < keys; i += 1000) {
    const commands = [];
    for (let j = i; j < Math.min(keys, i + 1000); j++)
      commands.push(encodeBinaryCommand(['SET', `k${j}`, value]));
    chunks.push(Buffer.concat(commands));
  }
  return [...chunks, ...extra];
}

const sourceOf = (chunks: Buffer[]) => ({
  sizeBytes: chunks.reduce((n, c) => n + c.length, 0),
  open: async () => (await import('node:stream')).Readable.from(chunks),
});

describe('restoreAof: refusals before writing, and a target that dies mid-way', () => {
  let target: RedisServer;
  before(async () => (target = await startRedisServer()));
  after(async () => target?.stop());

  async function marker(): Promise<void> {
    const session = await openSession(target.port);
    await session.call('FLUSHALL');
    await session.call('SET', 'marker', 'untouched');
    session.close();
  }

  it('refuses a file with a command the target does not have, a database it lacks, or bad framing; target untouched', async () => {
    const cases: [Buffer[], RegExp][] = [
      [aofOf(10, [encodeBinaryCommand(['HPEXPIREAT', 'h', 1, 'FIELDS', 1, 'f'])]), /HPEXPIREAT/],
      [aofOf(10, [encodeBinaryCommand(['SELECT', 40])]), /database 40/],
      [aofOf(10, [Buffer.from('SET a b\r\n')]), /not an AOF command stream/],
      [aofOf(10, [Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\na')]), /truncated/],
    ];
    for (const [chunks, reason] of cases) {
      await marker();
      await assert.rejects(
        restoreAof({ target: at(target.port), source: sourceOf(chunks) }),
        (error: Error) => {
          assert.ok(error instanceof RestoreRefused, error.message);
          assert.match(error.message, reason);
          return true;
        },
      );
      const live = await contentOf(target.port, { fieldExpiry: false });
      assert.deepEqual([...live.keys.keys()], ['0/marker']);
    }
  });

  it('refuses a file whose function library the target will not load, keeping its keys and former libraries', async () => {
    await marker();
    const session = await openSession(target.port);
    await session.call('FUNCTION', 'FLUSH');
    await session.call(
      'FUNCTION',
      'LOAD',
      "#!lua name=formerlib\nredis.register_function('former', function() return 1 end)",
    );
    session.close();
    const good = "#!lua name=goodlib\nredis.register_function('good', function() return 2 end)";
    const broken = '#!lua name=brokenlib\nthis is not lua';
    const chunks = aofOf(10, [
      encodeBinaryCommand(['FUNCTION', 'LOAD', good]),
      encodeBinaryCommand(['FUNCTION', 'LOAD', broken]),
    ]);
    await assert.rejects(
      restoreAof({ target: at(target.port), source: sourceOf(chunks) }),
      (error: Error) => {
        assert.ok(error instanceof RestoreRefused, error.message);
        assert.match(error.message, /function library brokenlib/);
        return true;
      },
    );
    const live = await contentOf(target.port, { fieldExpiry: false });
    assert.deepEqual([...live.keys.keys()], ['0/marker']);
    const check = await openSession(target.port);
    const libraries = JSON.stringify(await check.call('FUNCTION', 'LIST'));
    check.close();
    assert.match(libraries, /formerlib/);
    assert.doesNotMatch(libraries, /goodlib/);
  });

  it("puts a file's libraries in before its keys, and loads the keys", async () => {
    const library = "#!lua name=filelib\nredis.register_function('fromfile', function() return 3 end)";
    const report = await restoreAof({
      target: at(target.port),
      source: sourceOf(aofOf(20, [encodeBinaryCommand(['FUNCTION', 'LOAD', library])])),
      expected: { keys: 20, mayVanish: 0 },
    });
    assert.equal(report.functionLibraries, 1);
    const check = await openSession(target.port);
    const libraries = JSON.stringify(await check.call('FUNCTION', 'LIST'));
    const called = await check.call('FCALL', 'fromfile', '0');
    check.close();
    assert.match(libraries, /filelib/);
    assert.doesNotMatch(libraries, /formerlib/);
    assert.equal(called.value, 3);
  });

  it('loads a good file and confirms its key count', async () => {
    const report = await restoreAof({
      target: at(target.port),
      source: sourceOf(aofOf(3000)),
      expected: { keys: 3000, mayVanish: 0 },
    });
    assert.equal(report.commands, 3000);
    assert.deepEqual(report.warnings, []);
  });

  it('fails (never hangs) when the target is killed part-way through the load', async () => {
    const doomed = await startRedisServer();
    let killed = false;
    await assert.rejects(
      restoreAof({
        target: at(doomed.port),
        source: sourceOf(aofOf(20_000)),
        timeoutMs: 10_000,
        onProgress: () => {
          if (killed) return;
          killed = true;
          void doomed.stop();
        },
      }),
      /closed|disconnected|ECONNRESET|EPIPE|connection/i,
    );
    assert.ok(killed, 'the load started before the target died');
  });
});
