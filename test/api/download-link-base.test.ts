import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import { asAdmin, testDeps } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const SQLITE = STORE_KINDS.find((kind) => kind.name === 'sqlite')!;
const PROJECT = 'project-a';
const SETTINGS = { headersTimeoutMs: 5000, requestTimeoutMs: 5000, idleTimeoutMs: 5000, maxConnections: 10 };

describe('download links', () => {
  let opened: OpenedStore;
  let deps: AppDeps;
  let linksUrl: string;

  before(async () => {
    opened = await SQLITE.open();
    deps = testDeps(opened.store);
    const instance = makeInstance({ projectId: PROJECT });
    await opened.store.instances.insert(instance);
    const backup = makeBackup(instance.id, deps.clock.now() - 60_000);
    await opened.store.backups.insert(backup);
    const writer = await deps.blobs.create(`${backup.id}.rdb`);
    writer.stream.write('REDIS0011');
    await writer.commit();
    await opened.store.backups.update(backup.id, { fileKey: `${backup.id}.rdb`, sha256: 'ab'.repeat(32) });
    linksUrl = `/v2/${PROJECT}/instances/${instance.id}/backups/${backup.id}/links`;
  });
  after(() => opened.dispose());

  const linkFrom = async (app: FastifyInstance, host: string) => {
    const response = await app.inject({
      method: 'POST',
      url: linksUrl,
      headers: { host, 'x-forwarded-host': host, 'x-forwarded-proto': 'https' },
      payload: { expiration: 600 },
    });
    assert.equal(response.statusCode, 200, response.body);
    return new URL(response.json().links[0].link as string);
  };

  it('are built from the configured public URL, whatever Host the request names', async () => {
    const app = await asAdmin(
      await buildApp({ ...deps, linkBase: () => 'https://backups.example.com:9443/dcs' }),
      deps,
    );
    try {
      const link = await linkFrom(app, 'attacker.example');
      assert.equal(link.origin, 'https://backups.example.com:9443');
      assert.match(link.pathname, /^\/dcs\/downloads\/[0-9a-f-]{36}\/redis_[^/]+\.rdb$/);
    } finally {
      await app.close();
    }
  });

  it('fall back to the address the service listens on, not the Host header', async () => {
    const app = await asAdmin(await buildApp(deps, { server: SETTINGS }), deps);
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      const link = await linkFrom(app, 'attacker.example');
      assert.equal(link.origin, `http://127.0.0.1:${port}`);
      const download = await fetch(link);
      assert.equal(download.status, 200);
      assert.equal(await download.text(), 'REDIS0011');
    } finally {
      await app.close();
    }
  });
});
