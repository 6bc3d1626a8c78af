import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServiceConfig } from '../../src/config.ts';
import { type RunningService, startService } from '../../src/main.ts';
import { createTestDatabase, POSTGRES_SKIP, type TestDatabase } from '../support/postgres.ts';
import { proxyPostgres, type TcpProxy } from '../support/tcp-proxy.ts';

describe('GET /readyz follows PostgreSQL going away and coming back', { skip: POSTGRES_SKIP }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let service: RunningService;
  let dataDir: string;

  before(async () => {
    database = await createTestDatabase();
    const proxied = await proxyPostgres(database.url);
    proxy = proxied.proxy;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-readyz-'));
    service = await startService(
      loadServiceConfig({
        DCS_DATABASE_URL: proxied.url,
        DCS_DATA_DIR: dataDir,
        DCS_PORT: '0',
        DCS_LOG_LEVEL: 'silent',
        DCS_LOG_FORMAT: 'json',
        DCS_SHUTDOWN_GRACE_MS: '1000',
      }),
    );
  });

  after(async () => {
    proxy.resume();
    await service.close();
    await proxy.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const readyz = async () => {
    const response = await fetch(`${service.url}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('is ready, then not ready (database failing) while the connection is cut, then ready again', async () => {
    assert.deepEqual(await readyz(), {
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', blob_store: 'ok' } },
    });
    proxy.cut();
    const down = await readyz();
    assert.equal(down.status, 503);
    assert.deepEqual(down.body, { status: 'not_ready', checks: { database: 'failing', blob_store: 'ok' } });
    // Liveness is not readiness: the process still answers.
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    proxy.resume();
    assert.deepEqual(await readyz(), {
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', blob_store: 'ok' } },
    });
  });
});
