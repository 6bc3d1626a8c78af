import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import { PrometheusMetrics, storeMetricsSources } from '../../src/api/observability/prometheus-metrics.ts';
import { BackupListingIndex } from '../../src/api/backup-listing-index.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { readInstanceRecords } from '../../src/core/use-cases/read-instance-records.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { ManualClock, testDeps } from '../support/app.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 11, 2, 12);
const METRICS_TOKEN = 'metrics-token-0123456789';

describe('health checks and /metrics', () => {
  let opened: OpenedStore;
  let deps: AppDeps;
  let app: FastifyInstance;
  let databaseDown: Error | null = null;
  let adminToken: string;
  let viewerToken: string;
  let index: BackupListingIndex;

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    const clock = new ManualClock(NOW);
    index = new BackupListingIndex({
      maxBytes: 1 << 20,
      load: (instanceId, maxRecords) => readInstanceRecords(opened.store, instanceId, { maxRecords }),
    });
    deps = {
      ...testDeps(opened.store, clock),
      metrics: new PrometheusMetrics({ sources: storeMetricsSources(opened.store), processMetrics: false }),
      metricsToken: METRICS_TOKEN,
      backupListingIndex: index,
      readiness: [
        {
          name: 'database',
          check: async () => {
            if (databaseDown) throw databaseDown;
          },
        },
        { name: 'blob_store', check: async () => {} },
      ],
    };
    app = await buildApp(deps);
    const admin = await createCredential(deps, { role: 'admin', projectId: null, description: 'a' });
    const viewer = await createCredential(deps, { role: 'viewer', projectId: 'p1', description: 'v' });
    adminToken = deps.tokens.issue(admin.accessKey, NOW + 3_600_000);
    viewerToken = deps.tokens.issue(viewer.accessKey, NOW + 3_600_000);
  });

  after(async () => {
    await app.close();
    await opened.dispose();
  });

  it('answers /healthz and /readyz without credentials, naming no address or error', async () => {
    const health = await app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready', checks: { database: 'ok', blob_store: 'ok' } });

    databaseDown = new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2');
    const down = await app.inject('/readyz');
    assert.equal(down.statusCode, 503);
    assert.deepEqual(down.json(), { status: 'not_ready', checks: { database: 'failing', blob_store: 'ok' } });
    assert.doesNotMatch(down.body, /10\.1\.2\.3|hunter2|ECONNREFUSED/);
    databaseDown = null;
    assert.equal((await app.inject('/readyz')).statusCode, 200);
  });

  it('keeps every other route closed: a path dressed up as a health check still needs credentials', async () => {
    for (const url of ['/healthz/../admin/v1/instances', '/readyz/x', '/admin/v1/instances?/healthz']) {
      const response = await app.inject(url);
      assert.ok([401, 404].includes(response.statusCode), `${url}: ${response.statusCode}`);
      assert.doesNotMatch(response.body, /instance_id/);
    }
  });

  it('serves /metrics to the bearer token or an admin, and refuses anyone else', async () => {
    const get = (headers: Record<string, string>) => app.inject({ url: '/metrics', headers });
    assert.equal((await get({})).statusCode, 401);
    assert.equal((await get({ authorization: `Bearer ${METRICS_TOKEN}x` })).statusCode, 401);
    assert.equal((await get({ authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` })).statusCode, 401);
    assert.equal((await get({ 'x-auth-token': viewerToken })).statusCode, 403);
    const byToken = await get({ authorization: `Bearer ${METRICS_TOKEN}` });
    assert.equal(byToken.statusCode, 200);
    assert.match(String(byToken.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal((await get({ 'x-auth-token': adminToken })).statusCode, 200);
    // The token opens /metrics only, not the admin API.
    const admin = await app.inject({
      url: '/admin/v1/instances',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(admin.statusCode, 401);
  });

  it('counts requests by operation (the route pattern, never the concrete URL) and status', async () => {
    const instanceUrl = '/v2/p1/instances/00000000-0000-4000-8000-00000000abcd/backups';
    assert.equal(
      (await app.inject({ url: instanceUrl, headers: { 'x-auth-token': adminToken } })).statusCode,
      404,
    );
    await app.inject('/no/such/route');
    const body = (
      await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).body;
    assert.match(body, /^dcs_http_requests_total\{operation="CheckHealth",status="200"\} 1$/m);
    assert.match(body, /^dcs_http_requests_total\{operation="CheckReadiness",status="503"\} 1$/m);
    assert.match(body, /^dcs_http_requests_total\{operation="GetMetrics",status="401"\} 3$/m);
    // Every API route names its operation; the concrete URL (an instance id) never becomes a label.
    assert.match(body, /^dcs_http_requests_total\{operation="ListBackupRecords",status="404"\} 1$/m);
    assert.match(body, /^dcs_http_requests_total\{operation="unmatched",status="\d+"\} \d+$/m);
    assert.doesNotMatch(body, /abcd/);
    assert.match(body, /^dcs_http_request_duration_seconds_count\{operation="CheckHealth"\} 1$/m);
    assert.match(body, /^dcs_metadata_up 1$/m);
    assert.match(body, /^dcs_jobs_queued 0$/m);
  });

  it("reports the whole-listing index's memory and instances, which grow once an instance keeps missing", async () => {
    const scrape = async () =>
      (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
    assert.match(await scrape(), /^dcs_listing_index_instances 0$/m);
    assert.match(await scrape(), /^dcs_listing_index_bytes 0$/m);
    const instance = makeInstance({ projectId: 'p1' });
    await opened.store.instances.insert(instance);
    await opened.store.backups.insertMany([
      makeBackup(instance.id, NOW - 60_000),
      makeBackup(instance.id, NOW),
    ]);
    // Two windows the response cache has not seen, at one listing version: the second queues a build.
    for (const window of ['begin_time=20261201000000', 'begin_time=20261201000001']) {
      const url = `/v2/p1/instances/${instance.id}/backups?${window}`;
      assert.equal((await app.inject({ url, headers: { 'x-auth-token': adminToken } })).statusCode, 200);
    }
    await index.settled();
    const body = await scrape();
    assert.match(body, /^dcs_listing_index_instances 1$/m);
    const bytes = Number(/^dcs_listing_index_bytes (\d+)$/m.exec(body)?.[1]);
    assert.ok(bytes > 2 * 300, `two records' JSON: ${bytes} bytes`);
  });
});
