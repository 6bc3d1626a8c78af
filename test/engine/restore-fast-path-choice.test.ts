import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fastPathMisfit } from '../../src/engine/restore/fast-path-fit.ts';
import { restoreRdb } from '../../src/engine/restore/restore-engine.ts';
import type { PreparedRestore } from '../../src/engine/restore/restore-preflight.ts';
import { fileSource, snapshotToFile } from '../support/rdb-files.ts';
import { command, dumpEveryKey } from '../support/redis-inspect.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { localEndpoint } from '../support/replica-pair.ts';
import { sharedBinariesAvailable, sharedBinary } from '../support/shared-bin.ts';

/** A few keys of every common kind, one with a TTL: enough to see the data come back equal. */
async function fill(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) await command(port, 'SET', `s:${i}`, `value ${i}`);
  await command(port, 'RPUSH', 'list', 'a', 'b', 'c');
  await command(port, 'HSET', 'hash', 'f', 'v', 'g', 'w');
  await command(port, 'SADD', 'set', 'x', 'y');
  await command(port, 'ZADD', 'zset', '1', 'one', '2', 'two');
  await command(port, 'SET', 'expiring', 'soon', 'EX', '3600');
}

async function assertSameData(target: number, source: number): Promise<void> {
  const expected = await dumpEveryKey(source);
  const restored = await dumpEveryKey(target);
  assert.deepEqual([...restored.keys()].sort(), [...expected.keys()].sort());
}

describe('which path a restore takes: the replication fast path only where the target can load the file', () => {
  let source: RedisServer;
  let dir: string;
  let file: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-fast-choice-'));
    file = path.join(dir, 'backup.rdb');
    source = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    await fill(source.port);
    await snapshotToFile(source.port, file);
  });
  after(async () => {
    await source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes it on a plain standalone target, reached at the address the target sees us from, and says so', async () => {
    const target = await startRedisServer();
    try {
      await command(target.port, 'SET', 'left-over', 'must go');
      const report = await restoreRdb({
        target: localEndpoint(target.port),
        source: fileSource(file),
        now: Date.now,
        fastPath: {},
      });
      assert.equal(report.method, 'replication');
      assert.match(
        report.methodReason,
        /^the replication fast path: .* replica of this service \(127\.0\.0\.1:\d+\)/,
      );
      await assertSameData(target.port, source.port);
      // The load mode set for the restore is put back, and the target is a master again.
      const mode = await command(target.port, 'CONFIG', 'GET', 'repl-diskless-load');
      assert.ok(mode.type === 'array' && mode.value[1]!.value === 'disabled');
      const role = await command(target.port, 'ROLE');
      assert.ok(role.type === 'array' && role.value[0]!.value === 'master');
    } finally {
      await target.stop();
    }
  });

  it('writes commands, saying why, when the target refuses CONFIG (its load mode cannot be set)', async () => {
    const target = await startRedisServer(['--rename-command', 'CONFIG', '']);
    try {
      const report = await restoreRdb({
        target: localEndpoint(target.port),
        source: fileSource(file),
        now: Date.now,
        fastPath: {},
      });
      assert.equal(report.method, 'commands');
      assert.match(report.methodReason, /fast path was not used \(CONFIG GET repl-diskless-load was refused/);
      await assertSameData(target.port, source.port);
      const role = await command(target.port, 'ROLE');
      assert.ok(role.type === 'array' && role.value[0]!.value === 'master');
    } finally {
      await target.stop();
    }
  });

  it('finds REPLICAOF renamed away before flushing: the target keeps its keys until the commands replace them', async () => {
    const target = await startRedisServer([
      '--rename-command',
      'REPLICAOF',
      '',
      '--rename-command',
      'SLAVEOF',
      '',
    ]);
    try {
      await command(target.port, 'SET', 'left-over', 'kept until the flush');
      // Watch the target: a FLUSHALL from the fast path would show as a second one beside the writer's.
      const report = await restoreRdb({
        target: localEndpoint(target.port),
        source: fileSource(file),
        now: Date.now,
        fastPath: {},
      });
      assert.equal(report.method, 'commands');
      assert.match(report.methodReason, /fast path was not used \(REPLICAOF refused: ERR unknown command/);
      const stats = await command(target.port, 'INFO', 'commandstats');
      assert.match(String(stats.value), /cmdstat_flushall:calls=1,/);
      const mode = await command(target.port, 'CONFIG', 'GET', 'repl-diskless-load');
      assert.ok(mode.type === 'array' && mode.value[1]!.value === 'disabled');
      await assertSameData(target.port, source.port);
    } finally {
      await target.stop();
    }
  });

  it('gives up soon, and writes commands, when the target cannot connect to the advertised address', async () => {
    const target = await startRedisServer();
    try {
      // Listening on 127.0.0.1, telling the target 127.0.0.2: nothing answers it there.
      const report = await restoreRdb({
        target: localEndpoint(target.port),
        source: fileSource(file),
        now: Date.now,
        fastPath: { advertiseHost: '127.0.0.2', bindHost: '127.0.0.1', connectTimeoutMs: 300 },
      });
      assert.equal(report.method, 'commands');
      assert.match(
        report.methodReason,
        /the target did not connect to this service at 127\.0\.0\.2:\d+; set DCS_RESTORE_REPLICATION_HOST/,
      );
      await assertSameData(target.port, source.port);
      const role = await command(target.port, 'ROLE');
      assert.ok(role.type === 'array' && role.value[0]!.value === 'master');
    } finally {
      await target.stop();
    }
  });

  it('writes commands when the fast path is not offered, and says so', async () => {
    const target = await startRedisServer();
    try {
      const report = await restoreRdb({
        target: localEndpoint(target.port),
        source: fileSource(file),
        now: Date.now,
      });
      assert.equal(report.method, 'commands');
      assert.equal(report.methodReason, 'the replication fast path is turned off');
      await assertSameData(target.port, source.port);
    } finally {
      await target.stop();
    }
  });

  it(
    'never offers a file to a target whose RDB version is older: its keys are relabelled and written as commands',
    { skip: !sharedBinariesAvailable() },
    async () => {
      const newer = await startRedisServer(
        ['--repl-diskless-sync-delay', '0'],
        sharedBinary('redis-7.2.6/redis-server'),
      );
      const older = await startRedisServer(); // this machine's 7.0: RDB 10, the file RDB 11
      const newerFile = path.join(dir, 'rdb11.rdb');
      try {
        await fill(newer.port);
        await snapshotToFile(newer.port, newerFile);
        const report = await restoreRdb({
          target: localEndpoint(older.port),
          source: fileSource(newerFile),
          now: Date.now,
          fastPath: {},
        });
        assert.equal(report.method, 'commands');
        assert.equal(
          report.methodReason,
          "the replication fast path does not apply: the target's loader (RDB 10) cannot read the file (REDIS RDB 11)",
        );
        await assertSameData(older.port, newer.port);
        const info = await command(older.port, 'INFO', 'replication');
        assert.match(String(info.value), /role:master/);
        assert.match(String(info.value), /connected_slaves:0/);
      } finally {
        await newer.stop();
        await older.stop();
      }
    },
  );
});

describe('fastPathMisfit: what the pre-flight read rules the fast path out', () => {
  const endpoint = { host: '10.0.0.5', port: 6379, db: 0, username: null, password: null, tls: false };
  const prepared = (
    target: Partial<PreparedRestore['target']>,
    content: Partial<PreparedRestore['content']> = {},
    routes: [number, 'restore' | 'relabel' | 'rewrite'][] = [[0, 'restore']],
  ): PreparedRestore => ({
    target: {
      version: '7.0.15',
      rdbVersion: 10,
      maxmemory: 0,
      usedMemory: 0,
      startupMemory: 0,
      clusterEnabled: false,
      databases: 16,
      protoMaxBulkLen: 512 << 20,
      ...target,
    },
    content: {
      magic: 'REDIS',
      rdbVersion: 10,
      typeCodes: [0],
      keysPerDb: { '0': 1 },
      keysWithExpiry: 0,
      functions: 0,
      modules: [],
      largestValueBytes: 1,
      usedMemory: null,
      problem: null,
      ...content,
    },
    plan: { footerVersion: 10, routes: new Map(routes), problems: [], warnings: [] },
    functions: [],
  });

  it('lets a same-version or older file into a standalone plain-TCP target', () => {
    assert.equal(fastPathMisfit(prepared({}), endpoint), null);
    assert.equal(fastPathMisfit(prepared({}, { rdbVersion: 9 }), endpoint), null);
    // Valkey 8 (RDB 80) reads Redis files up to RDB 11, and its own up to its version.
    assert.equal(fastPathMisfit(prepared({ rdbVersion: 80 }, { rdbVersion: 11 }), endpoint), null);
    assert.equal(
      fastPathMisfit(prepared({ rdbVersion: 80 }, { magic: 'VALKEY', rdbVersion: 80 }), endpoint),
      null,
    );
  });

  it('refuses a cluster node', () => {
    assert.match(fastPathMisfit(prepared({ clusterEnabled: true }), endpoint)!, /cluster mode/);
  });

  it('refuses a target reached over TLS', () => {
    assert.match(fastPathMisfit(prepared({}), { ...endpoint, tls: true })!, /TLS/);
  });

  it('refuses a file the target cannot load: newer, or of the other family', () => {
    assert.match(fastPathMisfit(prepared({}, { rdbVersion: 11 }), endpoint)!, /RDB 10.*RDB 11/);
    assert.match(fastPathMisfit(prepared({ rdbVersion: 80 }, { rdbVersion: 12 }), endpoint)!, /cannot read/);
    assert.match(
      fastPathMisfit(prepared({ rdbVersion: 12 }, { magic: 'VALKEY', rdbVersion: 80 }), endpoint)!,
      /VALKEY RDB 80/,
    );
  });

  it('refuses where a value type must be converted, or module data is held', () => {
    assert.match(
      fastPathMisfit(
        prepared({}, {}, [
          [0, 'restore'],
          [20, 'rewrite'],
        ]),
        endpoint,
      )!,
      /rebuilt/,
    );
    assert.match(fastPathMisfit(prepared({}, { modules: ['ReJSON-RL'] }), endpoint)!, /module/);
  });
});
