import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { LinkSigner } from '../../src/core/download-links.ts';
import { Authenticator } from '../../src/api/auth/authenticator.ts';
import { FailureLimiter } from '../../src/api/auth/failure-limiter.ts';
import { TokenIssuer } from '../../src/core/auth/tokens.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { MetadataStore } from '../../src/core/ports.ts';
import { RespRedisProbe } from '../../src/engine/redis-probe.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';

/** A clock that says what the test tells it to. */
export class ManualClock implements Clock {
  current: number;
  constructor(start: number) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
}

/** Everything the app needs beyond the store, with blobs in a fresh temporary directory. */
export function testDeps(
  store: MetadataStore,
  clock: Clock = new ManualClock(Date.UTC(2024, 5, 1)),
): AppDeps {
  const tokens = new TokenIssuer(randomBytes(32));
  return {
    store,
    clock,
    probe: new RespRedisProbe(),
    blobs: new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-blobs-'))),
    links: new LinkSigner(randomBytes(32)),
    inspector: new ReaderInspector(),
    tokens,
    auth: new Authenticator({ credentials: store.credentials, tokens, clock }),
    // Tests fail authentication on purpose, many times, from one address: no slowing down.
    failureLimiter: new FailureLimiter({ maxDelayMs: 0 }),
  };
}

type InjectArgument = string | InjectOptions;

/**
 * The app as an admin sees it: every inject() carries an admin token unless the test set its own
 * Authorization or X-Auth-Token header. Tests of authentication itself use the app unwrapped.
 */
export async function asAdmin(app: FastifyInstance, deps: AppDeps): Promise<FastifyInstance> {
  const admin = await createCredential(deps, { role: 'admin', projectId: null, description: 'tests' });
  const token = deps.tokens.issue(admin.accessKey, deps.clock.now() + 10 * 365 * 86_400_000);
  const withToken = (options: InjectArgument): InjectArgument => {
    const opts = typeof options === 'string' ? { url: options } : { ...options };
    const headers = { ...(opts.headers ?? {}) } as Record<string, string>;
    if (!('authorization' in headers) && !('x-auth-token' in headers)) headers['x-auth-token'] = token;
    return { ...opts, headers };
  };
  return new Proxy(app, {
    get(target, key) {
      if (key === 'inject') return (options: InjectArgument) => target.inject(withToken(options));
      // Fastify instances are thenable; awaiting the proxy must give the proxy, not the bare app.
      if (key === 'then') return undefined;
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function buildTestApp(store: MetadataStore, clock?: Clock) {
  const deps = testDeps(store, clock);
  return asAdmin(await buildApp(deps), deps);
}

export function backupsPath(projectId: string, instanceId: string, query = ''): string {
  return `/v2/${projectId}/instances/${instanceId}/backups${query ? `?${query}` : ''}`;
}

/** Asserts the DCS error shape and returns the body for further checks. */
export async function getJson(app: FastifyInstance, url: string) {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}
