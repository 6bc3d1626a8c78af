import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterNode, ClusterShard, ClusterTopology } from '../../src/core/cluster-topology.ts';
import type { RedisProbe, RedisServerInfo } from '../../src/core/ports.ts';
import { chooseShardSourceAgain } from '../../src/jobs/shard-source.ts';
import { localEndpoint } from '../support/replica-pair.ts';

const node = (port: number): ClusterNode => ({
  id: String(port).repeat(8),
  host: '127.0.0.1',
  port,
  healthy: true,
});
const shard = (first: number, last: number, master: number, replica: number): ClusterShard => ({
  slots: [[first, last]],
  master: node(master),
  replicas: [node(replica)],
});
const OTHER = shard(5461, 16383, 7010, 7011);
const BEFORE = shard(0, 5460, 7000, 7001);
const known: ClusterTopology = { shards: [BEFORE, OTHER], discoveredAt: 0 };

/**
 * A cluster as the chooser sees it: each read of the topology takes the next view (the last one repeats), and
 * each node says (master_link_status) what the current step of `links` gives it: null for a master.
 */
function scriptedCluster(views: ClusterShard[][], links: Record<number, boolean | null>[]) {
  let reads = 0;
  const probe: RedisProbe = {
    async shards() {
      return views[Math.min(reads++, views.length - 1)]!;
    },
    async probe(endpoint) {
      const step = links[Math.min(Math.max(reads - 1, 0), links.length - 1)]!;
      if (!(endpoint.port in step)) throw new Error(`connection refused: ${endpoint.port}`);
      const info: RedisServerInfo = {
        engineVersion: '7.0.15',
        usedMemoryBytes: 1000,
        clusterEnabled: true,
        masterLinkUp: step[endpoint.port]!,
      };
      return info;
    },
    async locateMaster() {
      throw new Error('not asked');
    },
    async keyspace() {
      throw new Error('not asked');
    },
  };
  const pauses: number[] = [];
  return { probe, pauses, pause: async (ms: number) => void pauses.push(ms) };
}

const chooseAgain = (cluster: ReturnType<typeof scriptedCluster>) =>
  chooseShardSourceAgain(cluster.probe, localEndpoint(7000), known, BEFORE, () => 0, cluster.pause);

describe('choosing a shard source again after its transfer failed', () => {
  it('reads the topology again while a failover is still being announced, then takes the new one', async () => {
    // The replica 7001 was promoted: the first read still names 7000 master, which already says it follows.
    const cluster = scriptedCluster(
      [
        [BEFORE, OTHER],
        [shard(0, 5460, 7001, 7000), OTHER],
      ],
      [
        { 7000: false, 7001: null, 7010: null, 7011: true },
        { 7000: true, 7001: null, 7010: null, 7011: true },
      ],
    );
    const source = await chooseAgain(cluster);
    assert.equal(cluster.pauses.length, 1);
    assert.deepEqual([source.role, source.node.port], ['replica', 7000]);
  });

  it('takes the master when the replica that served is gone, without waiting', async () => {
    const cluster = scriptedCluster([[BEFORE, OTHER]], [{ 7000: null, 7010: null, 7011: true }]);
    const source = await chooseAgain(cluster);
    assert.deepEqual(cluster.pauses, []);
    assert.deepEqual([source.role, source.node.port], ['master', 7000]);
  });

  it('stops waiting after a few reads when the nodes never agree, and names the last choice', async () => {
    const cluster = scriptedCluster([[BEFORE, OTHER]], [{ 7000: false, 7001: null, 7010: null, 7011: true }]);
    const source = await chooseAgain(cluster);
    assert.equal(cluster.pauses.length, 9);
    assert.equal(source.node.port, 7000);
  });

  it('refuses when no shard serves exactly the same slots any more', async () => {
    const cluster = scriptedCluster(
      [[shard(0, 5000, 7000, 7001), shard(5001, 16383, 7010, 7011)]],
      [{ 7000: null, 7001: true, 7010: null, 7011: true }],
    );
    await assert.rejects(chooseAgain(cluster), /no shard serves exactly slots 0-5460 any more/);
  });

  it('refuses, naming the ranges, when the cluster no longer serves every slot', async () => {
    const cluster = scriptedCluster([[BEFORE]], [{ 7000: null, 7001: true }]);
    await assert.rejects(chooseAgain(cluster), /no master serves slots 5461-16383/);
  });
});
