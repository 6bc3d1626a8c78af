import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisEndpoint, SentinelSet } from '../../src/core/instance.ts';
import { RedisWireError } from '../../src/engine/resp/redis-wire-error.ts';
import { chooseBackupSource } from '../../src/engine/topology/choose-backup-source.ts';
import { parseReplicationInfo } from '../../src/engine/topology/replication-info.ts';
import type { SentinelReplica, TopologyReader } from '../../src/engine/topology/topology-reader.ts';

const endpoint = (port: number): RedisEndpoint => ({
  host: '10.0.0.1',
  port,
  db: 1,
  username: 'backup',
  password: 'pw',
  tls: false,
});

const masterInfo = (replicas: string[], offset = 5000) =>
  [
    '# Replication',
    'role:master',
    `connected_slaves:${replicas.length}`,
    ...replicas.map((r, i) => `slave${i}:${r}`),
    `master_repl_offset:${offset}`,
    '',
  ].join('\r\n');

const replicaInfo = (masterPort: number, link = 'up', lastIo = 1) =>
  [
    'role:slave',
    'master_host:10.0.0.1',
    `master_port:${masterPort}`,
    `master_link_status:${link}`,
    `master_last_io_seconds_ago:${lastIo}`,
    'master_repl_offset:5000',
  ].join('\r\n');

/** Answers INFO replication by port from a script; a port absent from it refuses the connection. */
function scripted(
  nodes: Record<number, string>,
  sentinels: Record<number, { master?: number | null; fails?: string; replicas?: SentinelReplica[] }> = {},
): TopologyReader & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    async replication(at) {
      asked.push(at.port);
      const text = nodes[at.port];
      if (text === undefined)
        throw new RedisWireError('connect', `connect ECONNREFUSED ${at.host}:${at.port}`);
      return parseReplicationInfo(text);
    },
    async sentinelMaster(at) {
      const s = sentinels[at.port];
      if (!s || s.fails) throw new RedisWireError('connect', s?.fails ?? 'connection refused');
      return s.master === null || s.master === undefined ? null : { host: '10.0.0.1', port: s.master };
    },
    async sentinelReplicas(at) {
      return sentinels[at.port]?.replicas ?? [];
    },
  };
}

const online = (port: number, extra = 'offset=4990,lag=0') =>
  `ip=10.0.0.1,port=${port},state=online,${extra}`;

describe('choosing the node a backup is read from', () => {
  it('reads a healthy replica with the instance credentials and database', async () => {
    const reader = scripted({ 6379: masterInfo([online(6380)]), 6380: replicaInfo(6379) });
    const chosen = await chooseBackupSource({ type: 'master_standby', endpoint: endpoint(6379) }, { reader });
    assert.equal(chosen.role, 'replica');
    assert.equal(chosen.address, '10.0.0.1:6380');
    assert.deepEqual(chosen.endpoint, { ...endpoint(6379), port: 6380 });
    assert.match(
      chosen.reason,
      /healthy replica of the master 10\.0\.0\.1:6379 \(the node attached\).*10 bytes behind/,
    );
  });

  it('skips replicas out of sync, lagging, far behind, with their link down or unreachable, and says so', async () => {
    const reader = scripted({
      6379: masterInfo(
        [
          'ip=10.0.0.1,port=7001,state=wait_bgsave,offset=0,lag=0',
          online(7002, 'offset=4990,lag=11'),
          online(7003, `offset=${5000 - 17 * 1024 * 1024},lag=0`),
          online(7004),
          online(7005),
          online(7006),
          online(7007),
        ],
        5000,
      ),
      7004: replicaInfo(6379, 'down', -1),
      7005: replicaInfo(6379, 'up', 21),
      7007: masterInfo([]),
      // 7006 is announced but refuses connections
    });
    const chosen = await chooseBackupSource({ type: 'master_standby', endpoint: endpoint(6379) }, { reader });
    assert.equal(chosen.role, 'master');
    assert.equal(chosen.address, '10.0.0.1:6379');
    assert.deepEqual(chosen.endpoint, endpoint(6379));
    for (const why of [
      '10.0.0.1:7001 is not in sync yet (state wait_bgsave)',
      '10.0.0.1:7002 last acknowledged 11s ago',
      '10.0.0.1:7003 is 17825792 bytes behind the master',
      '10.0.0.1:7004 has its link to the master down',
      '10.0.0.1:7005 has not heard from its master for 21s',
      '10.0.0.1:7006 cannot be reached (connect ECONNREFUSED 10.0.0.1:7006)',
      '10.0.0.1:7007 reports itself a master',
    ]) {
      assert.ok(chosen.reason.includes(why), `${why} in: ${chosen.reason}`);
    }
    assert.match(chosen.reason, /^no healthy replica .*: read from the master \(the node attached\)$/);
  });

  it('reads the master when it has no replica, and when its replication state cannot be read', async () => {
    const alone = await chooseBackupSource(
      { type: 'master_standby', endpoint: endpoint(6379) },
      { reader: scripted({ 6379: masterInfo([]) }) },
    );
    assert.equal(alone.role, 'master');
    assert.match(
      alone.reason,
      /^no replica is attached to the master 10\.0\.0\.1:6379: read from the master/,
    );
    const unread = await chooseBackupSource(
      { type: 'master_standby', endpoint: endpoint(6379) },
      { reader: scripted({}) },
    );
    assert.deepEqual([unread.role, unread.address], ['master', '10.0.0.1:6379']);
    assert.match(unread.reason, /cannot read INFO replication of 10\.0\.0\.1:6379/);
  });

  it('follows the master of a replica attached as master/standby', async () => {
    const reader = scripted({
      6380: replicaInfo(6379),
      6379: masterInfo([online(6380), online(6381)]),
      6381: replicaInfo(6379),
    });
    const chosen = await chooseBackupSource({ type: 'master_standby', endpoint: endpoint(6380) }, { reader });
    assert.equal(chosen.role, 'replica');
    assert.equal(chosen.address, '10.0.0.1:6380');
    assert.match(
      chosen.reason,
      /of the master 10\.0\.0\.1:6379 \(the master of the attached replica 10\.0\.0\.1:6380\)/,
    );
  });

  it('reads a single instance from the node attached without asking anything', async () => {
    const reader = scripted({});
    const chosen = await chooseBackupSource({ type: 'single', endpoint: endpoint(6379) }, { reader });
    assert.deepEqual([chosen.role, chosen.address], ['master', '10.0.0.1:6379']);
    assert.deepEqual(reader.asked, []);
  });

  const sentinel = (...ports: number[]): SentinelSet => ({
    nodes: ports.map((port) => ({ host: '10.0.0.9', port })),
    masterName: 'orders',
    username: null,
    password: null,
  });

  it('asks the Sentinels in turn until one names the master, and skips replicas a Sentinel sees down', async () => {
    const reader = scripted(
      { 6390: masterInfo([online(6391), online(6392)]), 6391: replicaInfo(6390), 6392: replicaInfo(6390) },
      {
        26379: { fails: 'connect ECONNREFUSED 10.0.0.9:26379' },
        26380: { master: null },
        26381: { master: 6390, replicas: [{ host: '10.0.0.1', port: 6391, flags: ['slave', 's_down'] }] },
      },
    );
    const chosen = await chooseBackupSource(
      { type: 'master_standby', endpoint: endpoint(6379), sentinel: sentinel(26379, 26380, 26381) },
      { reader },
    );
    assert.equal(chosen.role, 'replica');
    assert.equal(chosen.address, '10.0.0.1:6392');
    assert.match(
      chosen.reason,
      /of the master 10\.0\.0\.1:6390 \(the master of "orders" according to the Sentinel at 10\.0\.0\.9:26381\)/,
    );
    assert.ok(!reader.asked.includes(6391), 'the replica the Sentinel sees down was not asked');
  });

  it('passes over a Sentinel that still names a demoted master when another names the new one', async () => {
    const reader = scripted(
      { 6390: replicaInfo(6391), 6391: masterInfo([online(6390)]) },
      { 26379: { master: 6390 }, 26380: { master: 6391 } },
    );
    const chosen = await chooseBackupSource(
      { type: 'master_standby', endpoint: endpoint(6379), sentinel: sentinel(26379, 26380) },
      { reader },
    );
    assert.equal(chosen.role, 'replica');
    assert.equal(chosen.address, '10.0.0.1:6390');
    assert.match(chosen.reason, /of the master 10\.0\.0\.1:6391 \(.*Sentinel at 10\.0\.0\.9:26380\)/);
  });

  it('fails, naming each Sentinel, when none can name the master', async () => {
    const reader = scripted({ 6379: masterInfo([]) }, { 26380: { master: null } });
    await assert.rejects(
      chooseBackupSource(
        { type: 'master_standby', endpoint: endpoint(6379), sentinel: sentinel(26379, 26380) },
        { reader },
      ),
      (error: Error) =>
        /no Sentinel could name the master of "orders"/.test(error.message) &&
        error.message.includes('10.0.0.9:26379: connection refused') &&
        error.message.includes('10.0.0.9:26380 does not monitor a master named "orders"') &&
        !error.message.includes('pw'),
    );
  });
});
