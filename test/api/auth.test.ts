import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import { FailureLimiter } from '../../src/api/auth/failure-limiter.ts';
import type { Credential } from '../../src/core/auth/credential.ts';
import { canonicalRequest, signRequest, signature } from '../../src/core/auth/sdk-signature.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { ManualClock, testDeps } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const HOST = '127.0.0.1:18089';

describe('the signing algorithm', () => {
  it('reproduces the published test vector', () => {
    const toSign =
      'SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a';
    assert.equal(
      signature('MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc', toSign),
      '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });

  it('rebuilds the canonical request the SDK sent on the wire', () => {
    const canonical = canonicalRequest({
      method: 'GET',
      rawPath: '/v2/0123456789abcdef0123456789abcdef/instances/5560df16-cebf-4473-95c4-d1b573c16e79/backups',
      rawQuery: 'begin_time=20190501000000&end_time=20190601000000&limit=10&offset=0',
      headers: {
        'content-type': 'application/json',
        host: HOST,
        'x-project-id': '0123456789abcdef0123456789abcdef',
        'x-sdk-date': '20261127T051751Z',
      },
      signedHeaders: ['content-type', 'host', 'x-project-id', 'x-sdk-date'],
      payloadSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    assert.equal(
      canonical,
      [
        'GET',
        '/v2/0123456789abcdef0123456789abcdef/instances/5560df16-cebf-4473-95c4-d1b573c16e79/backups/',
        'begin_time=20190501000000&end_time=20190601000000&limit=10&offset=0',
        'content-type:application/json\nhost:127.0.0.1:18089\nx-project-id:0123456789abcdef0123456789abcdef\nx-sdk-date:20261127T051751Z\n',
        'content-type;host;x-project-id;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
  });

  it('slows an address down after repeated failures', async () => {
    const waits: number[] = [];
    const limiter = new FailureLimiter({ wait: async (ms) => waits.push(ms) });
    const fail = async (address: string, now: number) =>
      (await limiter.enter({ address, accessKey: null }))!.failed(now);
    for (let i = 0; i < 9; i++) await fail('10.0.0.1', 1000);
    // The first five failures answer at once; then each waits twice as long as the one before.
    assert.deepEqual(waits, [100, 200, 400, 800]);
    await fail('10.0.0.2', 1000);
    assert.equal(waits.length, 4, 'other addresses are not affected');
    await fail('10.0.0.1', 1000 + 61_000);
    assert.equal(waits.length, 4, 'the window passes');
  });

  it('makes the answers to a failing address wait', async () => {
    const opened = await STORE_KINDS[0]!.open();
    const waits: number[] = [];
    const deps = {
      ...testDeps(opened.store),
      failureLimiter: new FailureLimiter({ wait: async (ms) => waits.push(ms) }),
    };
    const app = await buildApp(deps);
    try {
      for (let i = 0; i < 7; i++) {
        const response = await app.inject({
          method: 'GET',
          url: '/v2/p/instances',
          headers: { 'x-auth-token': 'nope' },
        });
        assert.equal(response.statusCode, 401);
        // The sixth and seventh failures wait 100 and 200 ms before they are answered; the first five do not.
        assert.equal(waits.length, Math.max(0, i - 4), `after failure ${i + 1}`);
      }
      assert.deepEqual(waits, [100, 200]);
    } finally {
      await app.close();
      await opened.dispose();
    }
  });
});

interface Call {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: object;
  /** Status (and DCS code, when not 2xx) for an operator and an admin of the project. */
  allowed: [number, string?];
  admin?: [number, string?];
  /** A POST that changes nothing: viewers may call it too. */
  readsOnly?: true;
}

for (const kind of STORE_KINDS) {
  describe(`who may call, on ${kind.name}`, () => {
    let opened: OpenedStore;
    let app: FastifyInstance;
    let deps: AppDeps;
    const clock = new ManualClock(Date.now());
    const keys: Record<'admin' | 'operator' | 'viewer' | 'other' | 'revoked', Credential> = {} as never;
    const instance = makeInstance({ projectId: 'proj-a' });
    const foreignInstance = makeInstance({ projectId: 'proj-b' });
    const backups = [
      makeBackup(instance.id, Date.UTC(2024, 0, 1)),
      makeBackup(instance.id, Date.UTC(2024, 0, 2)),
      makeBackup(instance.id, Date.UTC(2024, 0, 3)),
    ];

    before(async () => {
      opened = await kind.open();
      deps = testDeps(opened.store, clock);
      app = await buildApp(deps);
      await opened.store.instances.insert(instance);
      await opened.store.instances.insert(foreignInstance);
      for (const b of backups) await opened.store.backups.insert(b);
      keys.admin = await createCredential(deps, { role: 'admin', projectId: null, description: null });
      keys.operator = await createCredential(deps, {
        role: 'operator',
        projectId: 'proj-a',
        description: null,
      });
      keys.viewer = await createCredential(deps, { role: 'viewer', projectId: 'proj-a', description: null });
      keys.other = await createCredential(deps, { role: 'operator', projectId: 'proj-b', description: null });
      keys.revoked = await createCredential(deps, { role: 'admin', projectId: null, description: null });
      await opened.store.credentials.revoke(keys.revoked.accessKey, clock.now());
    });

    after(async () => {
      await app.close();
      await opened.dispose();
    });

    /** Sends a request signed with our signer (the SDK's own signer is exercised below). */
    function signed(
      call: { method: string; path: string; body?: object },
      credential: Credential,
      options: { secretKey?: string; at?: number; headers?: Record<string, string> } = {},
    ) {
      const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
      const [rawPath, rawQuery = ''] = call.path.split('?');
      const headers: Record<string, string> = {
        host: HOST,
        'content-type': 'application/json',
        ...options.headers,
      };
      const auth = signRequest(
        {
          method: call.method,
          rawPath: rawPath!,
          rawQuery,
          headers,
          payloadSha256: require256(payload ?? ''),
        },
        credential.accessKey,
        options.secretKey ?? credential.secretKey,
        options.at ?? clock.now(),
      );
      return app.inject({
        method: call.method as 'GET',
        url: call.path,
        headers: { ...headers, ...auth },
        payload,
      });
    }

    const calls = (): Call[] => [
      { name: 'ListInstances', method: 'GET', path: '/v2/proj-a/instances', allowed: [200] },
      { name: 'ShowInstance', method: 'GET', path: `/v2/proj-a/instances/${instance.id}`, allowed: [200] },
      {
        name: 'ListBackupRecords',
        method: 'GET',
        path: `/v2/proj-a/instances/${instance.id}/backups?limit=5`,
        allowed: [200],
      },
      {
        name: 'ShowBackup',
        method: 'GET',
        path: `/v2/proj-a/instances/${instance.id}/backups/${backups[0]!.id}`,
        allowed: [200],
      },
      {
        name: 'ListBackupFileLinks',
        method: 'POST',
        path: `/v2/proj-a/instances/${instance.id}/backups/${backups[0]!.id}/links`,
        body: { expiration: 600 },
        allowed: [400, 'DCS.4087'],
        readsOnly: true,
      },
      {
        name: 'CreateInstance',
        method: 'POST',
        path: '/v2/proj-a/instances',
        body: { name: 'x' },
        allowed: [400, 'DCS.4902'],
      },
      {
        name: 'ShowInstance of another project',
        method: 'GET',
        path: `/v2/proj-a/instances/${foreignInstance.id}`,
        allowed: [404, 'DCS.3022'],
      },
      {
        name: 'admin: list instances',
        method: 'GET',
        path: '/admin/v1/instances',
        allowed: [403, 'DCS.3003'],
        admin: [200],
      },
      {
        name: 'admin: list credentials',
        method: 'GET',
        path: '/admin/v1/credentials',
        allowed: [403, 'DCS.3003'],
        admin: [200],
      },
    ];

    const expect = (
      response: { statusCode: number; json(): { error_code?: string } },
      [status, code]: [number, string?],
      what: string,
    ) => {
      assert.equal(response.statusCode, status, `${what}: ${JSON.stringify(response.json())}`);
      if (code) assert.equal(response.json().error_code, code, what);
    };

    it('answers every endpoint as the matrix says, for every kind of caller', async () => {
      for (const call of calls()) {
        const write = call.method !== 'GET' && !call.readsOnly;
        expect(
          await app.inject({ method: call.method, url: call.path, payload: call.body }),
          [401, 'DCS.1003'],
          `${call.name} without credentials`,
        );
        expect(
          await signed(call, keys.operator, { secretKey: 'x'.repeat(40) }),
          [401, 'DCS.1001'],
          `${call.name} bad signature`,
        );
        expect(
          await signed(call, keys.operator, { at: clock.now() - 16 * 60_000 }),
          [401, 'DCS.1001'],
          `${call.name} stale date`,
        );
        expect(await signed(call, keys.revoked), [401, 'DCS.1001'], `${call.name} revoked key`);
        const isAdminPath = call.path.startsWith('/admin/');
        expect(
          await signed(call, keys.other),
          isAdminPath ? [403, 'DCS.3003'] : [401, 'DCS.1004'],
          `${call.name} other project's key`,
        );
        expect(
          await signed(call, keys.viewer),
          isAdminPath ? [403, 'DCS.3003'] : write ? [403, 'DCS.3002'] : call.allowed,
          `${call.name} viewer`,
        );
        expect(await signed(call, keys.operator), call.allowed, `${call.name} operator`);
        expect(await signed(call, keys.admin), call.admin ?? call.allowed, `${call.name} admin`);
      }
    });

    it('lets operators and admins create and delete, never viewers', async () => {
      const create = {
        method: 'POST',
        path: `/v2/proj-a/instances/${instance.id}/backups`,
        body: { remark: 'signed' },
      };
      expect(await signed(create, keys.viewer), [403, 'DCS.3002'], 'viewer create');
      const created = await signed(create, keys.operator);
      assert.equal(created.statusCode, 200, created.body);
      const remove = {
        method: 'DELETE',
        path: `/v2/proj-a/instances/${instance.id}/backups/${backups[1]!.id}`,
      };
      expect(await signed(remove, keys.viewer), [403, 'DCS.3002'], 'viewer delete');
      assert.equal((await signed(remove, keys.admin)).statusCode, 204);
    });

    it('never tells a foreign key whether an instance exists', async () => {
      const existing = await signed(
        { method: 'GET', path: `/v2/proj-a/instances/${instance.id}` },
        keys.other,
      );
      const missing = await signed(
        { method: 'GET', path: '/v2/proj-a/instances/00000000-0000-4000-8000-000000000000' },
        keys.other,
      );
      assert.equal(existing.statusCode, missing.statusCode);
      assert.deepEqual(existing.json(), missing.json());
    });

    it('refuses an X-Project-Id that differs from the path', async () => {
      const response = await signed({ method: 'GET', path: '/v2/proj-a/instances' }, keys.admin, {
        headers: { 'x-project-id': 'proj-b' },
      });
      expect(response, [401, 'DCS.1004'], 'header mismatch');
    });

    it('accepts requests signed by the official SDK signer, and refuses any byte changed', async () => {
      const base = `http://${HOST}`;
      const sdkCalls = [
        { method: 'GET', path: '/v2/proj-a/instances', query: {} },
        {
          method: 'GET',
          path: `/v2/proj-a/instances/${instance.id}/backups`,
          // Values that need encoding: spaces, reserved characters, non-ASCII. Unknown parameters are ignored.
          query: { limit: '10', offset: '0', note: "a b+c*'~!/ü?&=", begin_time: '20190501000000' },
        },
        {
          method: 'POST',
          path: `/v2/proj-a/instances/${instance.id}/backups/${backups[0]!.id}/links`,
          query: {},
          data: { expiration: 1800 },
        },
        {
          method: 'POST',
          path: '/v2/proj-a/instances',
          query: {},
          data: { name: 'über cache', remark: 'a+b c' },
        },
        {
          method: 'POST',
          path: `/v2/proj-a/instances/${instance.id}/backups`,
          query: {},
          data: { remark: 'ünïcode + space', backup_format: 'rdb' },
        },
        { method: 'GET', path: `/v2/proj-a/instances/${instance.id}/backups/${backups[0]!.id}`, query: {} },
        {
          method: 'DELETE',
          path: `/v2/proj-a/instances/${instance.id}/backups/${backups[2]!.id}`,
          query: {},
        },
        { method: 'GET', path: '/admin/v1/instances', query: { project_id: 'proj-a' } },
      ];
      for (const call of sdkCalls) {
        const key = call.path.startsWith('/admin/') ? keys.admin : keys.operator;
        const credential = { getAk: () => key.accessKey, getSk: () => key.secretKey };
        const headers = AKSKSigner.sign(
          {
            endpoint: base + call.path,
            method: call.method,
            headers: { 'Content-Type': 'application/json', 'X-Project-Id': 'proj-a' },
            queryParams: call.query,
            data: call.data,
          } as never,
          credential as never,
        ) as Record<string, string>;
        const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
        const search = new URLSearchParams(call.query as Record<string, string>).toString();
        const send = (
          changes: { method?: string; url?: string; headers?: Record<string, string>; payload?: string } = {},
        ) =>
          app.inject({
            method: (changes.method ?? call.method) as 'GET',
            url: changes.url ?? call.path + (search ? `?${search}` : ''),
            headers: { ...lower, ...changes.headers },
            payload: changes.payload ?? (call.data ? JSON.stringify(call.data) : undefined),
          });
        const accepted = await send();
        assert.ok(![401, 403].includes(accepted.statusCode), `${call.method} ${call.path}: ${accepted.body}`);

        const tampered: Parameters<typeof send>[0][] = [
          // The path changed (the project's case); a path without a project is covered by the query change.
          ...(call.path.includes('proj-a')
            ? [{ url: call.path.replace('proj-a', 'proj-A') + (search ? `?${search}` : '') }]
            : []),
          { url: `${call.path}?${search ? `${search}x` : 'limit=2'}` },
          { headers: { 'x-project-id': 'proj-a ' } },
          {
            headers: {
              'x-sdk-date': lower['x-sdk-date']!.replace(/\dZ$/, (d) => `${(Number(d[0]) + 1) % 10}Z`),
            },
          },
          { headers: { host: '127.0.0.1:18090' } },
        ];
        if (call.data) tampered.push({ payload: JSON.stringify(call.data).replace('a', 'e') });
        if (call.method === 'GET') tampered.push({ method: 'DELETE' });
        for (const change of tampered) {
          const refused = await send(change);
          assert.ok(
            [401, 405].includes(refused.statusCode),
            `${JSON.stringify(change)}: ${refused.statusCode} ${refused.body}`,
          );
          if (refused.statusCode === 401) assert.match(refused.json().error_code, /^DCS\.100[14]$/);
        }
      }
    });

    it('issues tokens to signed callers, which expire and die with their key', async () => {
      const issued = await signed(
        { method: 'POST', path: '/auth/v1/tokens', body: { ttl_seconds: 120 } },
        keys.viewer,
      );
      assert.equal(issued.statusCode, 200, issued.body);
      const { token } = issued.json();
      const withToken = (t: string) =>
        app.inject({ method: 'GET', url: '/v2/proj-a/instances', headers: { 'x-auth-token': t } });
      assert.equal((await withToken(token)).statusCode, 200);
      const fromToken = await app.inject({
        method: 'POST',
        url: '/auth/v1/tokens',
        headers: { 'x-auth-token': token },
        payload: {},
      });
      expect(fromToken, [403, 'DCS.3003'], 'a token minting a token');
      expect(
        await withToken(token.replace(/.$/, (c: string) => (c === 'a' ? 'b' : 'a'))),
        [401, 'DCS.1001'],
        'forged token',
      );
      clock.current += 121_000;
      expect(await withToken(token), [401, 'DCS.1002'], 'expired token');
      clock.current -= 121_000;
      const admin = await createCredential(deps, { role: 'admin', projectId: null, description: null });
      const adminToken = (await signed({ method: 'POST', path: '/auth/v1/tokens' }, admin)).json().token;
      assert.equal((await withToken(adminToken)).statusCode, 200);
      const revoked = await signed(
        { method: 'DELETE', path: `/admin/v1/credentials/${admin.accessKey}` },
        keys.admin,
      );
      assert.equal(revoked.statusCode, 204);
      expect(await withToken(adminToken), [401, 'DCS.1001'], 'token of a revoked key');
    });

    it('shows a secret key only when it is created', async () => {
      const created = await signed(
        { method: 'POST', path: '/admin/v1/credentials', body: { role: 'viewer', project_id: 'proj-a' } },
        keys.admin,
      );
      assert.equal(created.statusCode, 201);
      const { secret_key: secret, access_key: accessKey } = created.json();
      assert.match(secret, /^[A-Za-z0-9]{40}$/);
      assert.match(accessKey, /^[A-Z0-9]{20}$/);
      const listed = await signed({ method: 'GET', path: '/admin/v1/credentials' }, keys.admin);
      assert.ok(listed.body.includes(accessKey));
      assert.ok(!listed.body.includes(secret));
      for (const c of Object.values(keys)) assert.ok(!listed.body.includes(c.secretKey));
    });
  });
}

function require256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('secrets in logs', () => {
  it('never writes a secret key, a token or a Redis password to the log', async () => {
    const { Writable } = await import('node:stream');
    const { pino } = await import('pino');
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
    );
    const opened = await STORE_KINDS[0]!.open();
    const clock = new ManualClock(Date.now());
    const deps = testDeps(opened.store, clock);
    const app = await buildApp(deps, { logger });
    try {
      const admin = await createCredential(deps, { role: 'admin', projectId: null, description: null });
      const sign = (method: string, path: string, body?: object, secretKey = admin.secretKey) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers = { host: HOST, 'content-type': 'application/json' };
        const auth = signRequest(
          { method, rawPath: path, rawQuery: '', headers, payloadSha256: require256(payload ?? '') },
          admin.accessKey,
          secretKey,
          clock.now(),
        );
        return app.inject({ method: method as 'GET', url: path, headers: { ...headers, ...auth }, payload });
      };
      const created = (
        await sign('POST', '/admin/v1/credentials', { role: 'operator', project_id: 'p' })
      ).json();
      const token = (await sign('POST', '/auth/v1/tokens', {})).json().token;
      await app.inject({ method: 'GET', url: '/v2/p/instances', headers: { 'x-auth-token': token } });
      await app.inject({ method: 'GET', url: '/v2/p/instances', headers: { 'x-auth-token': `${token}x` } });
      await sign('GET', '/v2/p/instances', undefined, 'wrong-secret-for-the-log-test');
      assert.ok(
        lines.some((l) => l.includes('authentication failed')),
        'failures are logged',
      );
      assert.ok(
        lines.some((l) => l.includes(admin.accessKey)),
        'with the AK',
      );
      const log = lines.join('');
      for (const secret of [admin.secretKey, created.secret_key, token, 'wrong-secret-for-the-log-test']) {
        assert.ok(!log.includes(secret), 'a secret reached the log');
      }
    } finally {
      await app.close();
      await opened.dispose();
    }
  });
});
