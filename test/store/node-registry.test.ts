import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queuedJob } from '../../src/core/job.ts';
import { nodeState, type ServiceNode } from '../../src/core/service-node.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const T0 = Date.UTC(2026, 11, 2, 12);
const PERIOD = 10_000;

function node(id: string, storeId: string, overrides: Partial<ServiceNode> = {}): ServiceNode {
  return {
    id,
    hostName: `host-${id}`,
    pid: 100,
    url: `http://${id}.example:8080`,
    storeId,
    version: '1.2.3',
    startedAt: T0,
    heartbeatAt: T0,
    heartbeatMs: PERIOD,
    stoppedAt: null,
    ...overrides,
  };
}

for (const kind of STORE_KINDS) {
  describe(`node registry on ${kind.name}`, () => {
    let opened: OpenedStore;

    before(async () => {
      opened = await kind.open();
    });
    after(() => opened.dispose());

    it('judges a node alive by its own heartbeat period, silent after three missed, stopped once marked', async () => {
      const { nodes } = opened.store;
      await nodes.register(node('a', 'fs:a'));
      // A node with a slower heartbeat is judged against its own period, not the reader's.
      await nodes.register(node('slow', 'fs:slow', { heartbeatMs: 60_000 }));
      const stateAt = async (id: string, now: number) =>
        nodeState(
          (await nodes.list()).find((n) => n.id === id)!,
          now,
        );

      assert.equal(await stateAt('a', T0 + 3 * PERIOD), 'alive');
      assert.equal(await stateAt('a', T0 + 3 * PERIOD + 1), 'silent');
      assert.equal(await stateAt('slow', T0 + 3 * PERIOD + 1), 'alive');

      assert.equal(await nodes.heartbeat('a', T0 + 5 * PERIOD), true);
      assert.equal(await stateAt('a', T0 + 7 * PERIOD), 'alive');
      assert.equal(await stateAt('a', T0 + 8 * PERIOD + 1), 'silent');

      await nodes.markStopped('a', T0 + 6 * PERIOD);
      assert.equal(await stateAt('a', T0 + 6 * PERIOD), 'stopped');
      // A stopped node's heartbeat is refused: only a new registration brings it back.
      assert.equal(await nodes.heartbeat('a', T0 + 6 * PERIOD + 1), false);
      assert.equal(await nodes.heartbeat('nobody', T0), false);
      await nodes.register(node('a', 'fs:a', { startedAt: T0 + 9 * PERIOD, heartbeatAt: T0 + 9 * PERIOD }));
      assert.equal(await stateAt('a', T0 + 9 * PERIOD), 'alive');
      assert.equal((await nodes.list()).filter((n) => n.id === 'a').length, 1);
    });

    it('lists each node with the jobs it holds, and finds the nodes over a store, freshest first', async () => {
      const { store } = opened;
      await store.nodes.register(node('b1', 'fs:b', { heartbeatAt: T0 + 1 }));
      await store.nodes.register(node('b2', 'fs:b', { heartbeatAt: T0 + 2 }));
      const instance = makeInstance();
      await store.instances.insert(instance);
      const record = makeBackup(instance.id, T0, { status: 'waiting', restorable: false });
      const job = queuedJob('backup', instance.id, record.id, T0);
      await store.backups.insertQueued(record, job);
      const claimed = await store.jobs.claim('b1', T0 + 30_000);
      assert.equal(claimed?.id, job.id);

      const listed = await store.nodes.list();
      assert.deepEqual(listed.find((n) => n.id === 'b1')!.runningJobIds, [job.id]);
      assert.deepEqual(listed.find((n) => n.id === 'b2')!.runningJobIds, []);
      assert.deepEqual(
        (await store.nodes.overStore('fs:b')).map((n) => n.id),
        ['b2', 'b1'],
      );
      assert.deepEqual(await store.nodes.overStore('fs:none'), []);
      await store.jobs.finish(job.id, T0 + 1);
    });

    it('forgets, when a node registers, the nodes not heard from for a week before it', async () => {
      const { nodes } = opened.store;
      const WEEK = 7 * 86_400_000;
      await nodes.register(node('old', 'fs:old', { heartbeatAt: T0 - WEEK - 1, stoppedAt: T0 - WEEK - 1 }));
      await nodes.register(node('recent', 'fs:old', { heartbeatAt: T0 - WEEK }));
      assert.ok(
        (await nodes.list()).some((n) => n.id === 'old'),
        'nothing newer registered yet',
      );
      await nodes.register(node('new', 'fs:new'));
      const ids = (await nodes.list()).map((n) => n.id);
      assert.ok(!ids.includes('old'));
      assert.ok(ids.includes('recent'));
    });

    it('leaves a job bound to another store to a process over that store', async () => {
      const { store } = opened;
      const instance = makeInstance();
      await store.instances.insert(instance);
      const record = makeBackup(instance.id, T0, { status: 'waiting', restorable: false });
      const job = queuedJob('backup', instance.id, record.id, T0, null, 'fs:holder');
      await store.backups.insertQueued(record, job);
      assert.equal(await store.jobs.claim('elsewhere', T0 + 30_000, 'fs:elsewhere'), undefined);
      const claimed = await store.jobs.claim('holder', T0 + 30_000, 'fs:holder');
      assert.equal(claimed?.id, job.id);
      assert.equal(claimed?.storeId, 'fs:holder');
      await store.jobs.finish(job.id, T0 + 1);
    });
  });
}
