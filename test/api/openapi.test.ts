import { servedRoutes as servedPaths } from '../support/served-routes.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { openApiDocument } from '../../src/api/openapi/openapi-document.ts';
import { OPERATIONS, SERVICE_ROUTES } from '../../src/api/operations/operation-table.ts';
import { COVERAGE_FILE, OPENAPI_FILE, renderApiCoverage } from '../../tools/api-docs.ts';
import { testDeps } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The routes the app serves as "METHOD /path/{param}" (HEAD is GET's twin). */
function servedRoutes(app: FastifyInstance): string[] {
  // Sorted again once renamed: ":" sorts before letters, "{" after them.
  return servedPaths(app)
    .map((route) => route.replace(/:(\w+)/g, '{$1}'))
    .sort();
}

describe('the API describes itself', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  const operationIds: (string | undefined)[] = [];
  const document = openApiDocument(OPERATIONS) as Json;

  before(async () => {
    opened = await STORE_KINDS.find((kind) => kind.name === 'sqlite')!.open();
    await opened.store.instances.insert(makeInstance({ name: 'secret-cache-name' }));
    app = await buildApp(testDeps(opened.store));
    // As metrics and logs will: every route says which operation it serves.
    app.addHook('onResponse', async (request) => {
      operationIds.push(request.routeOptions.config.operationId);
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await opened.dispose();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
    assert.equal(document.openapi, '3.1.0');
  });

  it('names its models once, in components, and every reference resolves', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map(
      (m) => m[1]!,
    );
    assert.ok(refs.includes('BackupRecordResponse') && refs.includes('Instance'), refs.join());
    for (const name of refs) assert.ok(document.components.schemas[name], name);
    assert.deepEqual(document.components.schemas.BackupRecordResponse.required.length, 15);
  });

  it('is refused by the validator when broken (a check of the check)', async () => {
    const broken = structuredClone(document);
    broken.paths['/openapi.json'].get.responses = 'none';
    assert.equal((await new Validator().validate(broken)).valid, false);
  });

  it('lists every route the app serves and nothing else, each with its DCS operation id', () => {
    const documented: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Json)) {
      for (const method of Object.keys(item)) documented.push(`${method.toUpperCase()} ${path}`);
    }
    // Probes, metrics and the console's files are served beside the API, not part of it (SERVICE_ROUTES).
    const beside = new Set(SERVICE_ROUTES.map((r) => `${r.method} ${r.path}`));
    assert.deepEqual(
      documented.sort(),
      servedRoutes(app).filter((route) => !beside.has(route)),
    );
    assert.deepEqual(
      [...beside].filter((route) => !servedRoutes(app).includes(route)),
      [],
      'every route listed beside the API is served',
    );
    const ids = Object.values(document.paths as Json).flatMap((item) =>
      Object.values(item as Json).map((op) => (op as Json).operationId as string),
    );
    for (const id of ['ListBackupRecords', 'CopyInstance', 'DeleteBackupFile', 'ListBackupFileLinks']) {
      assert.ok(ids.includes(id), id);
    }
    for (const id of ['RestoreInstance', 'ListRestoreRecords', 'ListInstances', 'UpdateInstance']) {
      assert.ok(ids.includes(id), id);
    }
    assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
  });

  it('gives parameters their ranges and formats, bodies their required fields, and every error code', () => {
    const list = document.paths['/v2/{project_id}/instances/{instance_id}/backups'];
    const limit = list.get.parameters.find((p: Json) => p.name === 'limit');
    assert.deepEqual(
      { in: limit.in, required: limit.required, ...limit.schema },
      { in: 'query', required: false, type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    );
    const instanceId = list.get.parameters.find((p: Json) => p.name === 'instance_id');
    assert.equal(instanceId.required, true);
    assert.match('5560df16-cebf-4473-95c4-d1b573c16e79', new RegExp(instanceId.schema.pattern));
    assert.deepEqual(list.get.responses['200'].content['application/json'].schema.required, [
      'total_num',
      'backup_record_response',
    ]);
    const codes = (operation: Json, status: string) =>
      operation.responses[status].content['application/json'].schema.properties.error_code.enum as string[];
    assert.deepEqual(codes(list.get, '400').sort(), [
      'DCS.4002',
      'DCS.4025',
      'DCS.4061',
      'DCS.4800',
      'DCS.4917',
    ]);
    assert.ok(codes(list.get, '401').includes('DCS.1004'));
    assert.ok(codes(list.get, '404').includes('DCS.3022'));

    const restore = document.paths['/v2/{project_id}/instances/{instance_id}/restores'].post;
    assert.equal(restore.requestBody.required, true);
    assert.deepEqual(restore.requestBody.content['application/json'].schema.required, ['backup_id']);
    const policy = document.paths['/v2/{project_id}/instances/{instance_id}'].put;
    for (const code of ['DCS.4072', 'DCS.4073', 'DCS.4074', 'DCS.4075', 'DCS.4076', 'DCS.3002']) {
      assert.ok(codes(policy, code === 'DCS.3002' ? '403' : '400').includes(code), code);
    }
    const links = document.paths['/v2/{project_id}/instances/{instance_id}/backups/{backup_id}/links'].post;
    assert.equal(links['x-access'], 'read');
    assert.equal(links.requestBody.content['application/json'].schema.properties.expiration.minimum, 300);
  });

  it('names its security schemes, and which operations need none', () => {
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['authToken', 'sdkSignature']);
    assert.equal(document.components.securitySchemes.authToken.name, 'X-Auth-Token');
    assert.match(document.components.securitySchemes.sdkSignature.description, /SDK-HMAC-SHA256/);
    assert.deepEqual(document.paths['/openapi.json'].get.security, []);
    assert.deepEqual(document.paths['/auth/v1/tokens'].post.security, [{ sdkSignature: [] }]);
    assert.equal(document.paths['/v2/{project_id}/instances'].get.security, undefined);
  });

  it('keeps docs/openapi.json and docs/api-coverage.md equal to what the table makes (npm run docs:generate)', async () => {
    // Compared as JSON: formatting it (prettier, slow on 200 kB) is npm run lint's check.
    assert.deepEqual(JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')), document);
    assert.equal(fs.readFileSync(COVERAGE_FILE, 'utf8'), await renderApiCoverage());
  });

  it('serves the document and the page without credentials, revealing no data', async () => {
    const served = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(served.statusCode, 200);
    assert.match(String(served.headers['content-type']), /^application\/json/);
    assert.deepEqual(served.json(), JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')));
    assert.doesNotMatch(served.body, /secret-cache-name|project-a/);

    const page = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    // Everything it loads comes from this service: no CDN, no absolute URL.
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(sources, ['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/init.js']);
    assert.match(page.body, /data-spec="openapi.json"/);
    for (const asset of sources) {
      const answer = await app.inject({ method: 'GET', url: `/${asset}` });
      assert.equal(answer.statusCode, 200, asset);
      assert.ok(answer.rawPayload.length > 0, asset);
    }
    const slash = await app.inject({ method: 'GET', url: '/docs/' });
    assert.match(slash.body, /href="..\/docs\/swagger-ui.css"/);
    const other = await app.inject({ method: 'GET', url: '/docs/package.json' });
    assert.equal(other.json().error_code, 'DCS.4001');
    // The API itself still needs credentials.
    const api = await app.inject({ method: 'GET', url: '/admin/v1/instances' });
    assert.equal(api.json().error_code, 'DCS.1003');
  });

  it('tells each request which operation it is (request.routeOptions.config.operationId)', async () => {
    operationIds.length = 0;
    await app.inject({ method: 'GET', url: '/openapi.json' });
    await app.inject({ method: 'GET', url: '/v2/project-a/instances' });
    await app.inject({ method: 'GET', url: '/nowhere' });
    assert.deepEqual(operationIds, ['ShowOpenApiDocument', 'ListInstances', undefined]);
  });
});
