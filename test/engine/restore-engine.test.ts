import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readRdb } from '../../src/engine/rdb/rdb-reader.ts';
import { decodeValue, type LogicalValue } from '../../src/engine/rdb/value-decoder.ts';
import { restoreRdb, RestoreRefused } from '../../src/engine/restore/restore-engine.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { fileSource, snapshotToFile } from '../support/rdb-files.ts';
import { fillEveryType } from '../support/rich-data.ts';
import { command, dumpEveryKey, functionDump } from '../support/redis-inspect.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { localEndpoint, startPrimaryWithReplica } from '../support/replica-pair.ts';

const endpoint = localEndpoint;

describe('restore into a real redis-server', () => {
  let source: RedisServer;
  let target: RedisServer;
  let dir: string;
  let file: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-restore-'));
    file = path.join(dir, 'backup.rdb');
    source = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    target = await startRedisServer();
    await fillEveryType(source.port);
    await snapshotToFile(source.port, file);
  });
  after(async () => {
    await source.stop();
    await target.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the target with the backup: every key DUMP-equal, TTLs kept, functions restored', async () => {
    await command(target.port, 'SET', 'left-over', 'must go');
    await command(
      target.port,
      'FUNCTION',
      'LOAD',
      "#!lua name=oldlib\nredis.register_function('old', function() return 1 end)",
    );
    // A capture limit below the big string's size sends it streamed from the file.
    const report = await restoreRdb({
      target: endpoint(target.port),
      source: fileSource(file),
      now: Date.now,
      captureLimit: 100_000,
    });
    const expected = await dumpEveryKey(source.port);
    const restored = await dumpEveryKey(target.port);
    assert.deepEqual([...restored.keys()].sort(), [...expected.keys()].sort());
    let byteEqual = 0;
    for (const [key, { dump, pttl }] of expected) {
      const got = restored.get(key)!;
      if (got.dump.equals(dump)) byteEqual++;
      else {
        // A hashtable (large set or hash) is rebuilt in a table sized for it at once, so it may iterate, and
        // dump, in another order: the same type code and the same content.
        assert.equal(got.dump[0], dump[0], `type of ${key}`);
        assert.deepEqual(
          comparable(contentOfDump(got.dump)),
          comparable(contentOfDump(dump)),
          `content of ${key}`,
        );
      }
      if (pttl === -1) assert.equal(got.pttl, -1, key);
      else assert.ok(Math.abs(got.pttl - pttl) < 1000, `TTL of ${key}: ${got.pttl} vs ${pttl}`);
    }
    assert.ok((await functionDump(target.port))!.equals((await functionDump(source.port))!));
    assert.ok(byteEqual >= expected.size - 2, `${byteEqual} of ${expected.size} byte-equal`);
    assert.equal(report.keysRestored, expected.size);
    assert.equal(report.keysStreamed, 1);
    assert.equal(report.functionLibraries, 1);
    assert.deepEqual(report.warnings, []);
  });

  it('takes the replication fast path where it applies: the target loads the file as a replica, then is released', async () => {
    const fast = await startRedisServer();
    try {
      await command(fast.port, 'SET', 'left-over', 'must go');
      await command(
        fast.port,
        'FUNCTION',
        'LOAD',
        "#!lua name=oldlib\nredis.register_function('old', function() return 1 end)",
      );
      const report = await restoreRdb({
        target: endpoint(fast.port),
        source: fileSource(file),
        now: Date.now,
        fastPath: { advertiseHost: '127.0.0.1' },
      });
      assert.equal(report.method, 'replication');
      assert.deepEqual(report.warnings, []);
      const expected = await dumpEveryKey(source.port);
      const restored = await dumpEveryKey(fast.port);
      assert.deepEqual([...restored.keys()].sort(), [...expected.keys()].sort());
      for (const [key, { dump }] of expected) {
        const got = restored.get(key)!;
        assert.equal(got.dump[0], dump[0], `type of ${key}`);
        assert.deepEqual(
          comparable(contentOfDump(got.dump)),
          comparable(contentOfDump(dump)),
          `content of ${key}`,
        );
      }
      assert.ok((await functionDump(fast.port))!.equals((await functionDump(source.port))!));
      const role = await command(fast.port, 'ROLE');
      assert.ok(role.type === 'array' && role.value[0]!.value === 'master');
    } finally {
      await fast.stop();
    }
  });

  it('falls back to commands when the target cannot take the fast path (it has replicas of its own)', async () => {
    const { primary, replica } = await startPrimaryWithReplica();
    try {
      const report = await restoreRdb({
        target: endpoint(primary.port),
        source: fileSource(file),
        now: Date.now,
        fastPath: { advertiseHost: '127.0.0.1' },
      });
      assert.equal(report.method, 'commands');
      assert.match(report.warnings[0]!, /fast path was not used \(the target has replicas of its own/);
      assert.equal((await dumpEveryKey(primary.port)).size, (await dumpEveryKey(source.port)).size);
    } finally {
      await replica.stop();
      await primary.stop();
    }
  });

  it('refuses before touching a target whose maxmemory is below the data, leaving it as it was', async () => {
    const small = await startRedisServer(['--maxmemory', '1mb']);
    try {
      await command(small.port, 'SET', 'keep', 'me');
      await assert.rejects(
        restoreRdb({ target: endpoint(small.port), source: fileSource(file), now: Date.now }),
        (error: Error) =>
          error instanceof RestoreRefused &&
          /more than the target's maxmemory of 1048576 bytes/.test(error.message),
      );
      const left = await dumpEveryKey(small.port);
      assert.deepEqual([...left.keys()], ['0/keep']);
    } finally {
      await small.stop();
    }
  });

  it('refuses a target with fewer databases than the backup uses', async () => {
    const few = await startRedisServer(['--databases', '4']);
    try {
      await assert.rejects(
        restoreRdb({ target: endpoint(few.port), source: fileSource(file), now: Date.now }),
        /keys in database 5, and the target has only 4 databases/,
      );
    } finally {
      await few.stop();
    }
  });

  it('fails, never claims success, when the target dies mid-restore', async () => {
    const doomed = await startRedisServer();
    const bigFile = path.join(dir, 'big.rdb');
    const big = await startRedisServer(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
    try {
      await command(big.port, 'DEBUG', 'POPULATE', '200000', 'k', '100');
      await snapshotToFile(big.port, bigFile);
      let killed = false;
      await assert.rejects(
        restoreRdb({
          target: endpoint(doomed.port),
          source: fileSource(bigFile),
          now: Date.now,
          onProgress: (bytes) => {
            if (!killed && bytes > 0) {
              killed = true;
              void doomed.stop();
            }
          },
        }),
        /closed the connection|connection error|ECONNRESET|EPIPE|stopped answering/,
      );
      assert.ok(killed);
    } finally {
      await big.stop();
      await doomed.stop();
    }
  });
});

/** The content of a DUMP payload, decoded with the reader's decoder (payload = type, value, version, CRC). */
function contentOfDump(dump: Buffer): LogicalValue {
  return decodeValue(dump[0]!, dump.subarray(1, dump.length - 10));
}

/** Stream content without the times a rebuilt stream cannot keep (consumer seen and active times). */
function comparable(value: LogicalValue): unknown {
  if (value.kind === 'set') return { kind: 'set', members: value.members.map(String).sort() };
  if (value.kind === 'hash') {
    return { kind: 'hash', fields: value.fields.map((f) => `${f.field}=${f.value}`).sort() };
  }
  if (value.kind !== 'stream') return JSON.parse(JSON.stringify(value));
  const s = value.stream;
  return {
    entries: s.entries.map((e) => ({ id: e.id, fields: e.fields.map(String) })),
    length: s.length,
    lastId: s.lastId,
    groups: s.groups.map((g) => ({
      name: String(g.name),
      lastId: g.lastId,
      entriesRead: g.entriesRead,
      pending: g.pending,
      consumers: g.consumers
        .filter((c) => c.pending.length > 0)
        .map((c) => ({ name: String(c.name), pending: c.pending })),
    })),
  };
}

async function fixtureContent(name: string): Promise<Map<string, LogicalValue>> {
  const content = new Map<string, LogicalValue>();
  for await (const events of readRdb([fs.readFileSync(fixturePath(name))])) {
    for (const event of events) {
      if (event.kind === 'key')
        content.set(
          `${event.record.db}/${event.record.key}`,
          decodeValue(event.record.type, event.record.value!),
        );
    }
  }
  return content;
}

describe(
  "restore of newer RDB versions into this machine's older Redis",
  { skip: !fixturesAvailable() },
  () => {
    let target: RedisServer;
    before(async () => {
      target = await startRedisServer();
    });
    after(async () => {
      await target.stop();
    });

    const cases: [string, RegExp][] = [
      ['set_lp_v11.rdb', /rewrite/],
      ['zset_lp_v11.rdb', /relabel/],
      ['hash_lp_v11.rdb', /relabel/],
      ['quicklist2_v11.rdb', /relabel/],
      ['stream_v11.rdb', /rewrite/],
      ['multiple_lists_strings.rdb', /relabel/],
      ['hash_with_expire_v12.rdb', /rewrite/],
      ['hash_lp_with_hexpire_v12.rdb', /rewrite/],
      ['function2.rdb', /relabel/],
    ];
    for (const [name, route] of cases) {
      it(`${name}: the target holds the fixture's content (${route.source})`, async () => {
        const report = await restoreRdb({
          target: endpoint(target.port),
          source: fileSource(fixturePath(name)),
          // The fixtures' own time, so keys that were live when they were written are restored.
          now: () => Date.UTC(2023, 0, 1),
          onStart: (plan) => assert.match([...plan.routes.values()].join(','), route),
        });
        const expected = await fixtureContent(name);
        const restored = await dumpEveryKey(target.port);
        assert.deepEqual([...restored.keys()].sort(), [...expected.keys()].sort());
        for (const [key, value] of expected) {
          assert.deepEqual(comparable(contentOfDump(restored.get(key)!.dump)), comparable(value), key);
        }
        assert.ok(report.keysRelabelled + report.keysRewritten + report.keysRestored === expected.size);
      });
    }

    it('refuses, before writing, a key that must be rebuilt with commands and is larger than restore holds', async () => {
      await command(target.port, 'SET', 'untouched', 'yes');
      await assert.rejects(
        restoreRdb({
          target: endpoint(target.port),
          source: fileSource(fixturePath('set_lp_v11.rdb')),
          now: Date.now,
          captureLimit: 10,
        }),
        (error: Error) =>
          error instanceof RestoreRefused &&
          /set-listpack value of \d+ bytes must be rebuilt/.test(error.message),
      );
      assert.equal((await command(target.port, 'GET', 'untouched')).value, 'yes');
    });

    it('stream_v11.rdb: groups, consumers and pending entries come back as they were', async () => {
      await restoreRdb({
        target: endpoint(target.port),
        source: fileSource(fixturePath('stream_v11.rdb')),
        now: Date.now,
      });
      const info = await command(target.port, 'XINFO', 'GROUPS', 'mystream');
      assert.equal(info.type, 'array');
      const pending = await command(target.port, 'XPENDING', 'mystream', 'groupA', '-', '+', '10');
      assert.equal(pending.type, 'array');
      const first = pending.type === 'array' ? pending.value[0] : undefined;
      assert.ok(first?.type === 'array');
      assert.deepEqual(
        first.value.map((v) => v.value),
        ['1695649446276-0', 'consumerA2', first.value[2]!.value, 1],
      );
    });
  },
);
