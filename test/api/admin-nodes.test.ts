import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import { ManualClock, asAdmin, testDeps } from '../support/app.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 11, 2, 12);

for (const kind of STORE_KINDS) {
  describe(`GET /admin/v1/nodes on ${kind.name}`, () => {
    let opened: OpenedStore;
    let deps: AppDeps;
    let bare: FastifyInstance;
    let app: FastifyInstance;
    const clock = new ManualClock(NOW);

    before(async () => {
      opened = await kind.open();
      deps = testDeps(opened.store, clock);
      bare = await buildApp(deps);
      app = await asAdmin(bare, deps);
      const base = {
        pid: 7,
        storeId: 'fs:one',
        version: '0.1.0',
        startedAt: NOW - 60_000,
        heartbeatMs: 10_000,
      };
      await opened.store.nodes.register({
        ...base,
        id: 'n-alive',
        hostName: 'a',
        url: 'http://a:1',
        heartbeatAt: NOW - 30_000,
        stoppedAt: null,
      });
      await opened.store.nodes.register({
        ...base,
        id: 'n-silent',
        hostName: 's',
        url: 'http://s:1',
        heartbeatAt: NOW - 30_001,
        stoppedAt: null,
      });
      await opened.store.nodes.register({
        ...base,
        id: 'n-stopped',
        hostName: 'x',
        url: 'http://x:1',
        heartbeatAt: NOW - 1_000,
        stoppedAt: NOW - 1_000,
      });
    });
    after(async () => {
      await bare.close();
      await opened.dispose();
    });

    it('lists every node with its state by heartbeat, as the admin sees it', async () => {
      const response = await app.inject({ method: 'GET', url: '/admin/v1/nodes' });
      assert.equal(response.statusCode, 200);
      const body = response.json() as {
        node_num: number;
        nodes: {
          node_id: string;
          state: string;
          alive: boolean;
          running_jobs: number;
          stopped_at: string | null;
        }[];
      };
      assert.equal(body.node_num, 3);
      const byId = new Map(body.nodes.map((n) => [n.node_id, n]));
      assert.deepEqual([...byId.entries()].map(([id, n]) => [id, n.state, n.alive]).sort(), [
        ['n-alive', 'alive', true],
        ['n-silent', 'silent', false],
        ['n-stopped', 'stopped', false],
      ]);
      assert.equal(byId.get('n-stopped')!.stopped_at, new Date(NOW - 1_000).toISOString());
      assert.equal(byId.get('n-alive')!.running_jobs, 0);
    });

    it('is refused to a credential that is not an admin', async () => {
      const operator = await createCredential(deps, { role: 'operator', projectId: 'p1', description: null });
      const token = deps.tokens.issue(operator.accessKey, NOW + 3_600_000);
      const response = await bare.inject({
        method: 'GET',
        url: '/admin/v1/nodes',
        headers: { 'x-auth-token': token },
      });
      assert.equal(response.statusCode, 403);
      assert.equal((response.json() as { error_code: string }).error_code, 'DCS.3003');
    });
  });
}
