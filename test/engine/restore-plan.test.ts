import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteKey } from '../../src/engine/restore/command-rewrite.ts';
import { type BackupContent, planRestore } from '../../src/engine/restore/restore-plan.ts';
import type { TargetInfo } from '../../src/engine/restore/target-probe.ts';

const target = (version: string, rdbVersion: number): TargetInfo => ({
  version,
  rdbVersion,
  maxmemory: 0,
  usedMemory: 0,
  startupMemory: 0,
  clusterEnabled: false,
  databases: 16,
  protoMaxBulkLen: 512 * 1024 * 1024,
});

/** What a Valkey 9 backup holds: strings, listpack sets (20) and hashes with field expiry (Valkey's 22). */
const valkey9: BackupContent = {
  magic: 'VALKEY',
  rdbVersion: 80,
  typeCodes: [0, 20, 22],
  keysPerDb: { 0: 3 },
  keysWithExpiry: 0,
  functions: 0,
  modules: [],
  largestValueBytes: 100,
  usedMemory: null,
  problem: null,
};

const LIMITS = { rewriteHoldBytes: 64 * 1024 * 1024 };

describe('planning the restore of a Valkey 9 backup', () => {
  it('restores as it is into Valkey 9', () => {
    const plan = planRestore(valkey9, target('9.1.2', 80), LIMITS);
    assert.deepEqual(plan.problems, []);
    assert.equal(plan.footerVersion, 80);
    assert.deepEqual(Object.fromEntries(plan.routes), { 0: 'restore', 20: 'restore', 22: 'restore' });
  });

  it('relabels what older targets know and rebuilds hashes with field expiry, warning only where expiry is lost', () => {
    const cases: [TargetInfo, Record<number, string>, boolean][] = [
      [target('7.4.1', 12), { 0: 'relabel', 20: 'relabel', 22: 'rewrite' }, false],
      [target('8.1.1', 11), { 0: 'relabel', 20: 'relabel', 22: 'rewrite' }, true],
      [target('7.0.15', 10), { 0: 'relabel', 20: 'rewrite', 22: 'rewrite' }, true],
    ];
    for (const [into, routes, lossWarned] of cases) {
      const plan = planRestore(valkey9, into, LIMITS);
      assert.deepEqual(plan.problems, [], into.version);
      assert.equal(plan.footerVersion, into.rdbVersion);
      assert.deepEqual(Object.fromEntries(plan.routes), routes, into.version);
      assert.equal(
        plan.warnings.some((w) => /field expiry/.test(w)),
        lossWarned,
        into.version,
      );
    }
  });

  it('rebuilds Redis 7.4 hashes with field expiry for Valkey 9 without losing the expiry', () => {
    const redis74 = { ...valkey9, magic: 'REDIS' as const, rdbVersion: 12, typeCodes: [0, 25] };
    const plan = planRestore(redis74, target('9.1.2', 80), LIMITS);
    assert.deepEqual(Object.fromEntries(plan.routes), { 0: 'relabel', 25: 'rewrite' });
    assert.deepEqual(plan.warnings, []);
  });
});

describe('rebuilding a hash with field expiry', () => {
  const NOW = Date.UTC(2026, 0, 1);
  const hash = {
    kind: 'hash' as const,
    fields: [
      { field: Buffer.from('a'), value: Buffer.from('1'), expireAtMs: NOW + 5000 },
      { field: Buffer.from('b'), value: Buffer.from('2'), expireAtMs: null },
      { field: Buffer.from('c'), value: Buffer.from('3'), expireAtMs: NOW + 5000 },
      { field: Buffer.from('gone'), value: Buffer.from('4'), expireAtMs: NOW - 1 },
    ],
  };
  const show = (commands: unknown[][]) =>
    commands.map((c) => c.map((a) => (Buffer.isBuffer(a) ? a.toString() : String(a))).join(' '));

  it('sets each field expiry with HPEXPIREAT on a target that has field expiry', () => {
    const rewrite = rewriteKey(Buffer.from('h'), hash, NOW + 60_000, 80, NOW);
    assert.deepEqual(show(rewrite.commands), [
      'HSET h a 1 b 2 c 3 gone 4',
      `HPEXPIREAT h ${NOW + 5000} FIELDS 2 a c`,
      `HPEXPIREAT h ${NOW - 1} FIELDS 1 gone`,
      `PEXPIREAT h ${NOW + 60_000}`,
    ]);
    assert.equal(rewrite.droppedFieldExpiries, 0);
  });

  it('leaves out fields already expired and counts the expiries it cannot keep on an older target', () => {
    const rewrite = rewriteKey(Buffer.from('h'), hash, null, 11, NOW);
    assert.deepEqual(show(rewrite.commands), ['HSET h a 1 b 2 c 3']);
    assert.equal(rewrite.droppedFieldExpiries, 2);
    assert.equal(rewrite.expiredFields, 1);
  });
});
