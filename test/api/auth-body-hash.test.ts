import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import type { Credential } from '../../src/core/auth/credential.ts';
import { UNSIGNED_PAYLOAD, sha256Hex } from '../../src/core/auth/payload-hash.ts';
import { signRequest } from '../../src/core/auth/sdk-signature.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { ManualClock, testDeps } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const HOST = '127.0.0.1:18089';

interface BodyRoute {
  method: 'POST' | 'PUT';
  /** The route as Fastify lists it, to check every route that takes a body is here. */
  pattern: string;
  path: string;
  /** The body the signer meant, and the one an attacker puts in its place. */
  original: object;
  swapped: object;
}

/** Full paths and methods of every route, read from Fastify's route tree. */
function listRoutes(app: FastifyInstance): { method: string; pattern: string }[] {
  const parents: string[] = [];
  const routes: { method: string; pattern: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const pattern = (depth > 0 ? parents[depth - 1]! : '') + m[2]!;
    parents[depth] = pattern;
    for (const method of m[3]!.split(', ')) routes.push({ method, pattern });
  }
  return routes;
}

describe('the body a signature covers', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let deps: AppDeps;
  let admin: Credential;
  const clock = new ManualClock(Date.now());
  const instance = makeInstance({ projectId: 'proj-a' });
  const backup = makeBackup(instance.id, Date.UTC(2024, 0, 1));
  const other = makeBackup(instance.id, Date.UTC(2024, 0, 2));
  const base = `/v2/proj-a/instances/${instance.id}`;

  const routes = (): BodyRoute[] => [
    {
      method: 'POST',
      pattern: '/admin/v1/credentials',
      path: '/admin/v1/credentials',
      original: { role: 'viewer', project_id: 'proj-a' },
      swapped: { role: 'admin' },
    },
    {
      method: 'POST',
      pattern: '/auth/v1/tokens',
      path: '/auth/v1/tokens',
      original: { ttl_seconds: 60 },
      swapped: { ttl_seconds: 86_400 },
    },
    {
      method: 'POST',
      pattern: '/admin/v1/instances',
      path: '/admin/v1/instances',
      original: { project_id: 'proj-a', name: 'a', url: 'redis://127.0.0.1:1/0' },
      swapped: { project_id: 'proj-b', name: 'b', url: 'redis://127.0.0.1:2/0' },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/instances',
      path: '/v2/proj-a/instances',
      original: { name: 'x' },
      swapped: { name: 'y' },
    },
    {
      method: 'PUT',
      pattern: '/v2/:project_id/instances/:instance_id',
      path: base,
      original: {
        instance_backup_policy: {
          backup_type: 'auto',
          save_days: 3,
          periodical_backup_plan: { backup_at: [1], period_type: 'weekly', begin_at: '02:00-03:00' },
        },
      },
      swapped: { instance_backup_policy: { backup_type: 'manual' } },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/instances/:instance_id/backups',
      path: `${base}/backups`,
      original: { remark: 'meant' },
      swapped: { remark: 'swapped' },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/instances/:instance_id/backups/:backup_id/verify',
      path: `${base}/backups/${backup.id}/verify`,
      original: {},
      swapped: { deep: true },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/instances/:instance_id/backups/:backup_id/links',
      path: `${base}/backups/${backup.id}/links`,
      original: { expiration: 600 },
      swapped: { expiration: 86_400 },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/instances/:instance_id/restores',
      path: `${base}/restores`,
      original: { backup_id: backup.id },
      swapped: { backup_id: other.id },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/instances/:instance_id/backups/import',
      path: `${base}/backups/import`,
      original: { file_name: 'imports.proj-a.meant.rdb' },
      swapped: { file_name: 'imports.proj-a.swapped.rdb' },
    },
    {
      method: 'POST',
      pattern: '/v2/:project_id/migration-task',
      path: '/v2/proj-a/migration-task',
      original: {
        task_name: 'meant',
        migration_type: 'backupfile_import',
        migration_method: 'full_amount_migration',
        backup_files: { file_source: 'backup_record', backup_id: backup.id },
        target_instance: { id: instance.id },
      },
      swapped: {
        task_name: 'swapped',
        migration_type: 'backupfile_import',
        migration_method: 'full_amount_migration',
        backup_files: { file_source: 'backup_record', backup_id: other.id },
        target_instance: { id: instance.id },
      },
    },
  ];

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    deps = testDeps(opened.store, clock);
    app = await buildApp(deps);
    await opened.store.instances.insert(instance);
    await opened.store.backups.insert(backup);
    await opened.store.backups.insert(other);
    admin = await createCredential(deps, { role: 'admin', projectId: null, description: null });
  });

  after(async () => {
    await app.close();
    await opened.dispose();
  });

  /** Signs as this project's signer does; `signedSha` adds X-Sdk-Content-Sha256 to the signed headers. */
  function signedHeaders(
    route: { method: string; path: string },
    bodySha: string,
    signedSha?: string,
  ): Record<string, string> {
    const headers: Record<string, string> = { host: HOST, 'content-type': 'application/json' };
    if (signedSha !== undefined) headers['x-sdk-content-sha256'] = signedSha;
    const auth = signRequest(
      {
        method: route.method,
        rawPath: route.path,
        rawQuery: '',
        headers,
        payloadSha256: signedSha ?? bodySha,
      },
      admin.accessKey,
      admin.secretKey,
      clock.now(),
    );
    return { ...headers, ...auth };
  }

  const send = (route: { method: string; path: string }, headers: Record<string, string>, body?: string) =>
    app.inject({ method: route.method as 'POST', url: route.path, headers, payload: body });

  const refused = (response: LightMyRequestResponse, what: string) => {
    assert.equal(response.statusCode, 401, `${what}: ${response.body}`);
    assert.equal(response.json().error_code, 'DCS.1001', what);
  };
  const accepted = (response: LightMyRequestResponse, what: string) =>
    assert.ok(
      ![401, 403, 409, 429].includes(response.statusCode),
      `${what}: ${response.statusCode} ${response.body}`,
    );

  /** Routes whose body is streamed, not JSON: their signed hash is checked against the bytes stored (import-files.test.ts). */
  const STREAMED = ['PUT /v2/:project_id/import-files/:file_name'];

  it('covers every route that takes a body', () => {
    const withBody = listRoutes(app)
      .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))
      .filter((r) => !STREAMED.includes(`${r.method} ${r.pattern}`))
      .map((r) => `${r.method} ${r.pattern}`)
      .sort();
    assert.deepEqual(
      withBody,
      routes()
        .map((r) => `${r.method} ${r.pattern}`)
        .sort(),
    );
  });

  it('refuses a captured request re-sent with another body, on every such route', async () => {
    for (const route of routes()) {
      const original = JSON.stringify(route.original);
      const swapped = JSON.stringify(route.swapped);
      const originalSha = sha256Hex(original);

      // Captured without the header: the attacker adds it, unsigned, with the original body's hash.
      const plain = signedHeaders(route, originalSha);
      refused(
        await send(route, { ...plain, 'x-sdk-content-sha256': originalSha }, swapped),
        `${route.pattern}: unsigned header`,
      );
      // Captured with the header signed: the attacker keeps it and changes the body.
      const withSha = signedHeaders(route, originalSha, originalSha);
      refused(await send(route, withSha, swapped), `${route.pattern}: signed header`);
      refused(
        await send(route, { ...withSha, 'x-sdk-content-sha256': originalSha.toUpperCase() }, swapped),
        `${route.pattern}: signed header in capitals`,
      );
      // UNSIGNED-PAYLOAD, even signed, never covers a body.
      refused(
        await send(route, signedHeaders(route, originalSha, UNSIGNED_PAYLOAD), original),
        `${route.pattern}: UNSIGNED-PAYLOAD with a body`,
      );

      // The requests as signed still pass (each once: a second time would be a replay).
      accepted(await send(route, withSha, original), `${route.pattern}: original, signed header`);
      accepted(await send(route, plain, original), `${route.pattern}: original, no header`);
    }
    const credentials = await opened.store.credentials.list();
    assert.deepEqual(
      credentials.filter((c) => c.role === 'admin').map((c) => c.accessKey),
      [admin.accessKey],
      'no swapped body created an admin',
    );
  });

  it('honours a signed hash equal to the body, and UNSIGNED-PAYLOAD without a body', async () => {
    const route = { method: 'POST', path: '/auth/v1/tokens' };
    const body = JSON.stringify({ ttl_seconds: 120 });
    clock.current += 1000;
    const upper = signedHeaders(route, sha256Hex(body), sha256Hex(body).toUpperCase());
    assert.equal((await send(route, upper, body)).statusCode, 200, 'signed hash in capitals');

    const list = { method: 'GET', path: '/v2/proj-a/instances' };
    const unsigned = signedHeaders(list, '', UNSIGNED_PAYLOAD);
    assert.equal((await send(list, unsigned)).statusCode, 200, 'GET with UNSIGNED-PAYLOAD');
    const token = { method: 'POST', path: '/auth/v1/tokens' };
    assert.equal(
      (await send(token, signedHeaders(token, '', UNSIGNED_PAYLOAD))).statusCode,
      200,
      'POST without a body, UNSIGNED-PAYLOAD',
    );
    // An unsigned UNSIGNED-PAYLOAD is ignored: the signature must then cover the (empty) body's hash.
    const plain = signedHeaders(list, sha256Hex(''));
    assert.equal((await send(list, { ...plain, 'x-sdk-content-sha256': UNSIGNED_PAYLOAD })).statusCode, 200);
  });

  it('accepts the official SDK signer with X-Sdk-Content-Sha256 or UNSIGNED-PAYLOAD, and refuses a swap', async () => {
    const credential = { getAk: () => admin.accessKey, getSk: () => admin.secretKey };
    const sdkSign = (method: string, path: string, headers: Record<string, string>, data?: object) => {
      const signed = AKSKSigner.sign(
        { endpoint: `http://${HOST}${path}`, method, headers, queryParams: {}, data } as never,
        credential as never,
      ) as Record<string, string>;
      return Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    };
    const path = '/admin/v1/credentials';
    const data = { role: 'viewer', project_id: 'proj-a', description: 'sdk' };
    const hashed = sdkSign(
      'POST',
      path,
      {
        'Content-Type': 'application/json',
        'X-Sdk-Content-Sha256': sha256Hex(JSON.stringify(data)),
      },
      data,
    );
    assert.ok(hashed.authorization!.includes('x-sdk-content-sha256'), 'the SDK signs the header');
    const route = { method: 'POST', path };
    refused(
      await send(route, hashed, JSON.stringify({ ...data, role: 'admin' })),
      'SDK request, body swapped',
    );
    assert.equal((await send(route, hashed, JSON.stringify(data))).statusCode, 201, 'SDK request as signed');

    // What the SDK sends for a content type that is not JSON: the payload is not hashed.
    const list = { method: 'GET', path: '/admin/v1/credentials' };
    const unsignedList = sdkSign('GET', list.path, { 'X-Sdk-Content-Sha256': UNSIGNED_PAYLOAD });
    assert.equal((await send(list, unsignedList)).statusCode, 200, 'SDK GET with UNSIGNED-PAYLOAD');
    const revoke = { method: 'DELETE', path: `/admin/v1/credentials/${admin.accessKey}X` };
    const unsignedDelete = sdkSign('DELETE', revoke.path, { 'X-Sdk-Content-Sha256': UNSIGNED_PAYLOAD });
    const deleted = await send(revoke, unsignedDelete);
    assert.equal(
      deleted.json().error_code,
      'DCS.4907',
      'SDK DELETE with UNSIGNED-PAYLOAD passes authentication',
    );
    const withBody = sdkSign('POST', path, {
      'Content-Type': 'application/json',
      'X-Sdk-Content-Sha256': UNSIGNED_PAYLOAD,
    });
    refused(await send(route, withBody, JSON.stringify(data)), 'SDK POST with a body and UNSIGNED-PAYLOAD');
  });
});
