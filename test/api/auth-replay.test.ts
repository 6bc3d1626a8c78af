import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import type { Credential } from '../../src/core/auth/credential.ts';
import { sha256Hex } from '../../src/core/auth/payload-hash.ts';
import { signRequest } from '../../src/core/auth/sdk-signature.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { ManualClock, testDeps } from '../support/app.ts';
import { createTestDatabase, POSTGRES_SKIP, type TestDatabase } from '../support/postgres.ts';
import { STORE_KINDS, TEST_SECRETS, type OpenedStore } from '../support/stores.ts';

const HOST = '127.0.0.1:18089';
const MINUTE = 60_000;

interface Signed {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

/** A request signed once, to be sent as many times as a test likes. */
function sign(
  credential: Credential,
  at: number,
  method: Signed['method'],
  url: string,
  body?: object,
  secretKey = credential.secretKey,
): Signed {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { host: HOST, 'content-type': 'application/json' };
  const auth = signRequest(
    { method, rawPath: url, rawQuery: '', headers, payloadSha256: sha256Hex(payload ?? '') },
    credential.accessKey,
    secretKey,
    at,
  );
  return { method, url, headers: { ...headers, ...auth }, payload };
}

const send = (app: FastifyInstance, request: Signed) => app.inject(request);

function expectCode(
  response: LightMyRequestResponse,
  status: number,
  code: string | undefined,
  what: string,
) {
  assert.equal(response.statusCode, status, `${what}: ${response.body}`);
  if (code) assert.equal(response.json().error_code, code, what);
}

const replayed = (response: LightMyRequestResponse, what: string) =>
  expectCode(response, 409, 'DCS.4910', what);

for (const kind of STORE_KINDS) {
  describe(`replays of signed requests, on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;
    let deps: AppDeps;
    let admin: Credential;
    const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));

    before(async () => {
      opened = await kind.open();
      deps = testDeps(opened.store, clock);
      app = await buildApp(deps);
      admin = await createCredential(deps, { role: 'admin', projectId: null, description: null });
    });

    after(async () => {
      await app.close();
      await opened.dispose();
    });

    it('refuses an exact replay of a state-changing request, with its own code', async () => {
      const create = sign(admin, clock.now(), 'POST', '/admin/v1/credentials', {
        role: 'viewer',
        project_id: 'p',
      });
      expectCode(await send(app, create), 201, undefined, 'first');
      replayed(await send(app, create), 'the same request again');
      // Headers outside the signature do not make it another request.
      replayed(
        await send(app, { ...create, headers: { ...create.headers, 'x-whatever': '1' } }),
        'plus a header',
      );
      const viewers = (await opened.store.credentials.list()).filter((c) => c.role === 'viewer');
      assert.equal(viewers.length, 1, 'the work was done once');

      const revoke = sign(admin, clock.now(), 'DELETE', `/admin/v1/credentials/${viewers[0]!.accessKey}`);
      expectCode(await send(app, revoke), 204, undefined, 'DELETE');
      replayed(await send(app, revoke), 'DELETE again');
    });

    it('lets reads be repeated, and tokens carry no signature to replay', async () => {
      const list = sign(admin, clock.now(), 'GET', '/admin/v1/credentials');
      for (let i = 0; i < 3; i++) expectCode(await send(app, list), 200, undefined, `GET ${i}`);
      const head = sign(admin, clock.now(), 'HEAD', '/admin/v1/credentials');
      for (let i = 0; i < 3; i++) assert.equal((await send(app, head)).statusCode, 200, `HEAD ${i}`);

      const token = deps.tokens.issue(admin.accessKey, clock.now() + 10 * MINUTE);
      const viaToken = {
        method: 'POST' as const,
        url: '/admin/v1/credentials',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        payload: JSON.stringify({ role: 'viewer', project_id: 'p' }),
      };
      expectCode(await app.inject(viaToken), 201, undefined, 'token, first');
      expectCode(await app.inject(viaToken), 201, undefined, 'token, second');
    });

    it('records a signature only once it verified: a forged one cannot block the real request', async () => {
      clock.current += 1000;
      const real = sign(admin, clock.now(), 'POST', '/admin/v1/credentials', {
        role: 'viewer',
        project_id: 'q',
      });
      // Same Authorization (so the same signature), another body: it fails, and must leave no record.
      const forged = { ...real, payload: JSON.stringify({ role: 'admin' }) };
      expectCode(await send(app, forged), 401, 'DCS.1001', 'forged');
      expectCode(
        await send(app, forged),
        401,
        'DCS.1001',
        'forged again: still a bad signature, not a replay',
      );
      const wrongKey = sign(admin, clock.now(), 'POST', '/admin/v1/credentials', {}, 'x'.repeat(40));
      expectCode(await send(app, wrongKey), 401, 'DCS.1001', 'wrong secret');
      expectCode(await send(app, real), 201, undefined, 'the real request');
      replayed(await send(app, real), 'the real request again');
    });

    it('keeps a record while the date can pass, and the date check refuses what was purged', async () => {
      clock.current += 1000;
      const signedAt = clock.now();
      const create = sign(admin, signedAt, 'POST', '/admin/v1/credentials', {
        role: 'viewer',
        project_id: 'r',
      });
      expectCode(await send(app, create), 201, undefined, 'first');
      const signature = /Signature=([0-9a-f]{64})/.exec(create.headers.authorization!)![1]!;

      // 14 minutes later another write purges what has expired: this record has not, and still answers.
      clock.current = signedAt + 14 * MINUTE;
      expectCode(
        await send(app, sign(admin, clock.now(), 'POST', '/auth/v1/tokens', {})),
        200,
        undefined,
        'purge',
      );
      replayed(await send(app, create), 'at 14 minutes');
      clock.current = signedAt + 15 * MINUTE;
      replayed(await send(app, create), 'at the edge of the date window');

      // Past the window (and the margin for other nodes' clocks) the next write purges it...
      clock.current = signedAt + 17 * MINUTE;
      expectCode(
        await send(app, sign(admin, clock.now(), 'POST', '/auth/v1/tokens', {})),
        200,
        undefined,
        'purge',
      );
      // ...and a replay is refused by the date check, without a record.
      expectCode(await send(app, create), 401, 'DCS.1001', 'after the purge');
      assert.equal(
        await opened.store.seenSignatures.remember(signature, admin.accessKey, 0),
        true,
        'the record was purged on the way in',
      );
    });
  });
}

describe('replays across two nodes sharing one PostgreSQL database', { skip: POSTGRES_SKIP }, () => {
  let database: TestDatabase;
  const stores: KyselyMetadataStore[] = [];
  const apps: FastifyInstance[] = [];
  let admin: Credential;
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));

  before(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const store = await KyselyMetadataStore.open({ kind: 'postgres', url: database.url }, TEST_SECRETS);
      stores.push(store);
      apps.push(await buildApp(testDeps(store, clock)));
    }
    admin = await createCredential(testDeps(stores[0]!, clock), {
      role: 'admin',
      projectId: null,
      description: null,
    });
  });

  after(async () => {
    for (const app of apps) await app.close();
    for (const store of stores) await store.close();
    await database.drop();
  });

  it('refuses on one node a request the other accepted', async () => {
    const create = sign(admin, clock.now(), 'POST', '/admin/v1/credentials', {
      role: 'viewer',
      project_id: 'p',
    });
    expectCode(await send(apps[0]!, create), 201, undefined, 'node 1');
    replayed(await send(apps[1]!, create), 'node 2');
  });

  it('accepts exactly one of the same request sent to both at once', async () => {
    for (let round = 0; round < 5; round++) {
      clock.current += 1000;
      const create = sign(admin, clock.now(), 'POST', '/admin/v1/credentials', {
        role: 'viewer',
        project_id: `race-${round}`,
      });
      const answers = await Promise.all([
        send(apps[0]!, create),
        send(apps[1]!, create),
        send(apps[1]!, create),
      ]);
      const statuses = answers.map((a) => a.statusCode).sort();
      assert.deepEqual(statuses, [201, 409, 409], `round ${round}`);
    }
    const raced = (await stores[0]!.credentials.list()).filter((c) => c.projectId?.startsWith('race-'));
    assert.equal(raced.length, 5);
  });
});
