import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspectRdb } from '../../src/engine/rdb/rdb-inspector.ts';
import { OP, TYPE } from '../../src/engine/rdb/rdb-types.ts';
import { CommandRefused } from '../../src/engine/restore/command-pipeline.ts';
import { restoreRdb, RestoreRefused } from '../../src/engine/restore/restore-engine.ts';
import {
  emptyCollectionKeys,
  emptyIntset,
  keyEntry,
  rdbString,
  rdbWithKeys,
  stringKey,
} from '../support/empty-collections-rdb.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { makeRdb } from '../support/rdb-bytes.ts';
import { fileSource } from '../support/rdb-files.ts';
import { command, dumpEveryKey } from '../support/redis-inspect.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { startPrimaryWithReplica } from '../support/replica-pair.ts';

const endpoint = (port: number, user: { username: string; password: string } | null = null) => ({
  host: '127.0.0.1',
  port,
  db: 0,
  username: user?.username ?? null,
  password: user?.password ?? null,
  tls: false,
});
const FAST = { advertiseHost: '127.0.0.1' };
const OLD_LIBRARY = "#!lua name=oldlib\nredis.register_function('old', function() return 1 end)";
const EMPTY_WARNING = '9 empty keys skipped, as Redis does on load';

/** Keys of a target, as "db/key" sorted. */
async function keysOf(port: number): Promise<string[]> {
  return [...(await dumpEveryKey(port)).keys()].sort();
}

describe('restores that never wipe the target and then fail', () => {
  let dir: string;
  let target: RedisServer;
  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  /** Two keys worth restoring around Redis's nine empty collections. */
  const withEmpties = () =>
    rdbWithKeys([stringKey('first', 'one'), ...emptyCollectionKeys(), stringKey('last', 'two')]);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-restore-safety-'));
    target = await startRedisServer();
  });
  after(async () => {
    await target.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ownKeys = async (port: number) => {
    await command(port, 'FLUSHALL');
    await command(port, 'SET', 'own', 'the target holds this');
    await command(port, 'SELECT', '3');
  };

  it('restores a file with empty collections as Redis loads it: the other keys, and a warning', async () => {
    await ownKeys(target.port);
    const report = await restoreRdb({
      target: endpoint(target.port),
      source: fileSource(write('empties.rdb', withEmpties())),
      now: Date.now,
    });
    assert.equal(report.method, 'commands');
    assert.deepEqual(await keysOf(target.port), ['0/first', '0/last']);
    assert.equal(report.keysRestored, 2);
    assert.equal(report.keysEmpty, 9);
    assert.deepEqual(report.warnings, [EMPTY_WARNING]);
  });

  it('loads the same file by replication, the key-count check expecting the keys without the empty ones', async () => {
    const fast = await startRedisServer();
    try {
      await ownKeys(fast.port);
      const warned: string[] = [];
      const report = await restoreRdb({
        target: endpoint(fast.port),
        source: fileSource(write('empties-fast.rdb', withEmpties())),
        now: Date.now,
        fastPath: FAST,
        onWarning: (warning) => warned.push(warning),
      });
      assert.equal(report.method, 'replication');
      assert.deepEqual(report.warnings, [EMPTY_WARNING]);
      assert.deepEqual(warned, []);
      assert.equal(report.keysRestored, 2);
      assert.deepEqual(await keysOf(fast.port), ['0/first', '0/last']);
    } finally {
      await fast.stop();
    }
  });

  it('records the fallback and its reason when the key count after the fast path does not match', async () => {
    const fast = await startRedisServer();
    try {
      const bytes = rdbWithKeys([stringKey('first', 'one'), stringKey('last', 'two')]);
      const file = write('miscounted.rdb', bytes);
      const found = await inspectRdb([bytes], { sha256: false });
      // What was recorded says five keys; the file holds two.
      const content = { ...found, keysPerDb: { 0: 5 }, usedMemory: null };
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const warned: string[] = [];
      const report = await restoreRdb({
        target: endpoint(fast.port),
        source: { ...fileSource(file), known: { content, sha256 } },
        now: Date.now,
        fastPath: FAST,
        onWarning: (warning) => warned.push(warning),
      });
      assert.equal(report.method, 'commands');
      const fallback =
        /^the replication fast path was not used \(the target holds 2 keys after loading, the backup 5\); keys were written with commands$/;
      assert.equal(warned.length, 1);
      assert.match(warned[0]!, fallback);
      assert.match(report.warnings.join('\n'), fallback);
      assert.deepEqual(await keysOf(fast.port), ['0/first', '0/last']);
    } finally {
      await fast.stop();
    }
  });

  it('reports the fallback as it happens, so that a restore failing afterwards still has it', async () => {
    // A target with a replica of its own cannot take the fast path; the command path then meets a listpack whose
    // header claims 99 bytes: the walk passes over it, Redis's own checks refuse it. Finding it before writing
    // would mean decoding every value (verify does).
    const { primary, replica } = await startPrimaryWithReplica();
    try {
      const corrupt = Buffer.from([99, 0, 0, 0, 0, 0, 0xff]);
      const file = write(
        'corrupt-inside.rdb',
        rdbWithKeys([stringKey('first', 'one'), keyEntry(TYPE.ZSET_LISTPACK, 'bad', rdbString(corrupt))]),
      );
      const warned: string[] = [];
      await assert.rejects(
        restoreRdb({
          target: endpoint(primary.port),
          source: fileSource(file),
          now: Date.now,
          fastPath: FAST,
          onWarning: (warning) => warned.push(warning),
        }),
        (error: Error) => error instanceof CommandRefused && /key "bad".*Bad data format/.test(error.message),
      );
      assert.deepEqual(warned, [
        'the replication fast path was not used (the target has replicas of its own, which would all resynchronise); keys were written with commands',
      ]);
    } finally {
      await replica.stop();
      await primary.stop();
    }
  });

  it('fails, never claims success, when the target holds fewer keys than were written (evicted under maxmemory)', async () => {
    // The file says nothing of the memory its keys take (no used-mem), so only the confirm phase can tell.
    const tight = await startRedisServer(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-random']);
    try {
      const keys = Array.from({ length: 3000 }, (_, i) => stringKey(`k${i}`, 'v'.repeat(1000)));
      const file = write('too-big.rdb', rdbWithKeys(keys));
      await assert.rejects(
        restoreRdb({ target: endpoint(tight.port), source: fileSource(file), now: Date.now }),
        (error: Error) =>
          /^the target holds \d+ keys after the restore, the backup 3000$/.test(error.message),
      );
    } finally {
      await tight.stop();
    }
  });

  describe('the pre-flight refuses, and the target keeps its keys and libraries', () => {
    const untouched = async (port: number, attempt: Promise<unknown>, reason: RegExp) => {
      await assert.rejects(attempt, (error: Error) => {
        assert.match(error.message, reason);
        return true;
      });
      assert.deepEqual(await keysOf(port), ['0/own']);
    };

    it('an empty intset, which Redis refuses to load', async () => {
      await ownKeys(target.port);
      const file = write(
        'intset.rdb',
        rdbWithKeys([keyEntry(TYPE.SET_INTSET, 's', rdbString(emptyIntset()))]),
      );
      await untouched(
        target.port,
        restoreRdb({ target: endpoint(target.port), source: fileSource(file), now: Date.now }).catch(
          (error: Error) => {
            assert.ok(error instanceof RestoreRefused);
            throw error;
          },
        ),
        /does not read cleanly: an empty intset/,
      );
    });

    it('a user whose ACL does not allow RESTORE', async () => {
      await ownKeys(target.port);
      await command(
        target.port,
        'ACL',
        'SETUSER',
        'norestore',
        'on',
        '>secret',
        '~*',
        '&*',
        '+@all',
        '-restore',
      );
      const file = write('acl.rdb', rdbWithKeys([stringKey('first', 'one')]));
      await untouched(
        target.port,
        restoreRdb({
          target: endpoint(target.port, { username: 'norestore', password: 'secret' }),
          source: fileSource(file),
          now: Date.now,
        }),
        /refuses commands the restore needs \(RESTORE: NOPERM/,
      );
    });

    it('a target where FLUSHALL is renamed away', async () => {
      const renamed = await startRedisServer(['--rename-command', 'FLUSHALL', '""']);
      try {
        await command(renamed.port, 'SET', 'own', 'the target holds this');
        const file = write('renamed.rdb', rdbWithKeys([stringKey('first', 'one')]));
        await untouched(
          renamed.port,
          restoreRdb({ target: endpoint(renamed.port), source: fileSource(file), now: Date.now }),
          /refuses commands the restore needs \(FLUSHALL: ERR unknown command/,
        );
      } finally {
        await renamed.stop();
      }
    });

    it("a database beyond the target's, where CONFIG cannot tell how many it has", async () => {
      const hidden = await startRedisServer(['--databases', '4', '--rename-command', 'CONFIG', '""']);
      try {
        await command(hidden.port, 'SET', 'own', 'the target holds this');
        const body = Buffer.concat([
          Buffer.from([0xfe, 0]),
          stringKey('first', 'one'),
          Buffer.from([0xfe, 5]),
          stringKey('far', 'away'),
        ]);
        await untouched(
          hidden.port,
          restoreRdb({
            target: endpoint(hidden.port),
            source: fileSource(write('db5.rdb', makeRdb(body))),
            now: Date.now,
          }),
          /the backup has keys in database 5, which the target refuses: ERR DB index is out of range/,
        );
      } finally {
        await hidden.stop();
      }
    });

    it("a value above the target's proto-max-bulk-len", async () => {
      const strict = await startRedisServer(['--proto-max-bulk-len', '1mb']);
      try {
        await command(strict.port, 'SET', 'own', 'the target holds this');
        const file = write('large.rdb', rdbWithKeys([stringKey('large', 'x'.repeat(2 * 1024 * 1024))]));
        await untouched(
          strict.port,
          restoreRdb({ target: endpoint(strict.port), source: fileSource(file), now: Date.now }),
          /a value of 2097\d+ bytes exceeds the target's proto-max-bulk-len \(1048576\)/,
        );
      } finally {
        await strict.stop();
      }
    });

    it('module data, which restore does not carry over', { skip: !fixturesAvailable() }, async () => {
      await ownKeys(target.port);
      await untouched(
        target.port,
        restoreRdb({
          target: endpoint(target.port),
          source: fileSource(fixturePath('module.rdb')),
          now: Date.now,
        }),
        /the backup holds module data/,
      );
    });

    for (const [path, fastPath] of [
      ['writing commands', undefined],
      ['the replication fast path', { advertiseHost: '127.0.0.1' }],
    ] as const) {
      it(`a function library the target does not load fails the restore before the keys are flushed (${path})`, async () => {
        await ownKeys(target.port);
        await command(target.port, 'FUNCTION', 'FLUSH');
        await command(target.port, 'FUNCTION', 'LOAD', OLD_LIBRARY);
        const broken = Buffer.concat([
          Buffer.from([OP.FUNCTION2]),
          rdbString('#!lua name=broken\nthis is not lua'),
        ]);
        const file = write(
          `broken-library-${fastPath ? 'fast' : 'commands'}.rdb`,
          makeRdb(Buffer.concat([broken, Buffer.from([0xfe, 0]), stringKey('first', 'one')])),
        );
        await untouched(
          target.port,
          restoreRdb({ target: endpoint(target.port), source: fileSource(file), now: Date.now, fastPath }),
          /FUNCTION RESTORE was refused/,
        );
        const libraries = await command(target.port, 'FUNCTION', 'LIST');
        assert.match(JSON.stringify(libraries), /oldlib/);
      });
    }
  });
});
