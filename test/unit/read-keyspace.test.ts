import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterShard } from '../../src/core/cluster-topology.ts';
import type { Instance, RedisEndpoint } from '../../src/core/instance.ts';
import type { DatabaseKeys, RedisProbe } from '../../src/core/ports.ts';
import { readInstanceKeyspace, sumDatabases } from '../../src/core/use-cases/read-keyspace.ts';
import { ManualClock } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';

const node = (port: number) => ({ id: `node-${port}`, host: '10.0.0.1', port, healthy: true });
const shard = (first: number, last: number, master: number, replica: number): ClusterShard => ({
  slots: [[first, last]],
  master: node(master),
  replicas: [node(replica)],
});
const SHARDS = [shard(0, 8191, 7000, 7100), shard(8192, 16383, 7001, 7101)];

/** A probe over scripted servers: each port's keyspace, or the error it fails with. */
function scripted(
  servers: Record<number, DatabaseKeys[] | Error>,
  options: { shards?: ClusterShard[] | Error; master?: number } = {},
) {
  const asked: RedisEndpoint[] = [];
  const probe: RedisProbe = {
    async probe() {
      throw new Error('not asked');
    },
    async shards() {
      if (options.shards instanceof Error) throw options.shards;
      return options.shards ?? [];
    },
    async locateMaster(instance) {
      return options.master ? { ...instance.endpoint, port: options.master } : instance.endpoint;
    },
    async keyspace(endpoint) {
      asked.push(endpoint);
      const answer = servers[endpoint.port];
      if (answer === undefined || answer instanceof Error) throw answer ?? new Error('connection refused.');
      return answer;
    },
  };
  return { deps: { probe, clock: new ManualClock(1_000) }, asked };
}

const LIMITS = { connectionMs: 50, deadlineMs: 200 };
const cluster = (overrides: Partial<Instance> = {}) =>
  makeInstance({
    type: 'cluster',
    endpoint: { host: '10.0.0.1', port: 7000, db: 0, username: null, password: 'pw', tls: false },
    ...overrides,
  });

describe('reading what an instance holds now', () => {
  it('adds the databases of several masters', () => {
    assert.deepEqual(
      sumDatabases([
        [{ db: 0, keys: 3 }],
        [
          { db: 0, keys: 4 },
          { db: 5, keys: 1 },
        ],
      ]),
      [
        { db: 0, keys: 7 },
        { db: 5, keys: 1 },
      ],
    );
    assert.deepEqual(sumDatabases([[], []]), []);
  });

  it("reads a cluster's masters, never its replicas, with the instance's credentials and database 0", async () => {
    const { deps, asked } = scripted(
      { 7000: [{ db: 0, keys: 10 }], 7001: [{ db: 0, keys: 5 }], 7100: [{ db: 0, keys: 99 }] },
      { shards: SHARDS },
    );
    const read = await readInstanceKeyspace(deps, cluster(), LIMITS);
    assert.equal(read.keyCount, 15);
    assert.equal(read.mastersRead, 2);
    assert.equal(read.problem, null);
    assert.deepEqual(asked.map((e) => e.port).sort(), [7000, 7001]);
    assert.ok(asked.every((e) => e.password === 'pw' && e.db === 0));
  });

  it('has no count when one master cannot be read: part of a sum would understate what is replaced', async () => {
    const { deps } = scripted({ 7000: [{ db: 0, keys: 10 }] }, { shards: SHARDS });
    const read = await readInstanceKeyspace(deps, cluster(), LIMITS);
    assert.equal(read.keyCount, null);
    assert.equal(read.databases, null);
    assert.match(read.problem!, /connection refused/);
  });

  it('falls back on the shards last discovered when the node attached is down', async () => {
    const { deps } = scripted(
      { 7001: [{ db: 0, keys: 5 }], 7002: [{ db: 0, keys: 6 }] },
      { shards: new Error('Cannot use the Redis server at 10.0.0.1:7000: connection refused.') },
    );
    const topology = { shards: [shard(0, 8191, 7002, 7000), SHARDS[1]!], discoveredAt: 0 };
    assert.equal((await readInstanceKeyspace(deps, cluster({ topology }), LIMITS)).keyCount, 11);
    const without = await readInstanceKeyspace(deps, cluster({ topology: null }), LIMITS);
    assert.match(without.problem!, /10\.0\.0\.1:7000: connection refused/);
  });

  it('reads the master a master/standby instance has now', async () => {
    const { deps, asked } = scripted({ 6380: [{ db: 1, keys: 2 }] }, { master: 6380 });
    const read = await readInstanceKeyspace(deps, makeInstance(), LIMITS);
    assert.deepEqual(read.databases, [{ db: 1, keys: 2 }]);
    assert.deepEqual(
      asked.map((e) => e.port),
      [6380],
    );
  });

  it('gives up at the deadline when a read never ends', async () => {
    const { deps } = scripted({});
    deps.probe.keyspace = () => new Promise(() => undefined);
    const read = await readInstanceKeyspace(deps, makeInstance(), LIMITS);
    assert.equal(read.keyCount, null);
    assert.equal(read.problem, 'no answer within 0.2 s.');
  });
});
