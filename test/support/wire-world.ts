import { createHash } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import type { Credential } from '../../src/core/auth/credential.ts';
import { signRequest } from '../../src/core/auth/sdk-signature.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { ManualClock, testDeps } from './app.ts';
import { makeRdb } from './rdb-bytes.ts';
import { makeBackup, makeInstance } from './records.ts';
import { STORE_KINDS, type OpenedStore } from './stores.ts';

/**
 * A small fixed world for calling every operation with valid and invalid input: fixed ids, a fixed clock and
 * a fixed link base, so that what the app answers depends on the code alone (the wire snapshot, the fuzzer).
 */
export const WORLD = {
  project: 'project-a',
  otherProject: 'project-b',
  now: Date.UTC(2026, 10, 20, 8, 30),
  linkBase: 'http://dcs.example.test',
  /** Where backups are taken (CopyInstance, links, verify, delete). */
  source: '11111111-1111-4111-8111-111111111111',
  /** Where restores go. */
  target: '22222222-2222-4222-8222-222222222222',
  /** An instance with no backups, for policy updates and detaching. */
  spare: '33333333-3333-4333-8333-333333333333',
  /** A well-formed id nothing has. */
  unknown: '99999999-9999-4999-8999-999999999999',
  /** A succeed, restorable backup of `source` whose file is stored. */
  backup: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  /** A failed backup of `source`, with no file. */
  failedBackup: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
  /** A second restorable backup of `source`, for deleting. */
  doomedBackup: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
} as const;

/** Who calls: the roles, a caller of another project, and nobody. */
export type Caller = 'admin' | 'operator' | 'viewer' | 'stranger' | 'anonymous' | 'signed-admin';

export interface WireWorld {
  app: FastifyInstance;
  deps: AppDeps;
  clock: ManualClock;
  /** Every credential made for the world, in the order made (the admin first). */
  credentials: Credential[];
  call(caller: Caller, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function openWireWorld(): Promise<WireWorld> {
  const opened: OpenedStore = await STORE_KINDS.find((kind) => kind.name === 'sqlite')!.open();
  // Credentials are made a second apart before `now`, so that they list in a fixed order.
  const clock = new ManualClock(WORLD.now - 60_000);
  const deps: AppDeps = { ...testDeps(opened.store, clock), linkBase: () => WORLD.linkBase };
  const { store } = opened;
  const endpoint = { host: '127.0.0.1', port: 6390, db: 0, username: null, password: null, tls: false };
  const created = Date.UTC(2026, 0, 5);
  // Not a version any test server runs: the attached server's own version is normalised in snapshots.
  const engineVersion = '6.2.99';
  await store.instances.insert(
    makeInstance({
      id: WORLD.source,
      projectId: WORLD.project,
      name: 'source',
      endpoint,
      createdAt: created,
      engineVersion,
    }),
  );
  await store.instances.insert(
    makeInstance({
      id: WORLD.target,
      projectId: WORLD.project,
      name: 'target',
      type: 'single',
      endpoint: { ...endpoint, port: 6391, password: 'kept-secret' },
      createdAt: created,
      engineVersion,
    }),
  );
  await store.instances.insert(
    makeInstance({
      id: WORLD.spare,
      projectId: WORLD.project,
      name: 'spare',
      endpoint: { ...endpoint, port: 6392 },
      createdAt: created,
      engineVersion,
    }),
  );
  const file = makeRdb();
  for (const id of [WORLD.backup, WORLD.doomedBackup]) {
    const at = Date.UTC(2026, 10, id === WORLD.backup ? 18 : 19, 2);
    await store.backups.insert(
      makeBackup(WORLD.source, at, { id, remark: 'nightly', sizeBytes: file.length }),
    );
    const writer = await deps.blobs.create(id);
    writer.stream.end(file);
    await writer.commit();
    await store.backups.update(id, {
      fileKey: id,
      storeId: deps.blobs.id,
      startedAt: at,
      sha256: createHash('sha256').update(file).digest('hex'),
    });
  }
  await store.backups.insert(
    makeBackup(WORLD.source, Date.UTC(2026, 10, 17, 2), {
      id: WORLD.failedBackup,
      status: 'failed',
      restorable: false,
      errorCode: 'dcs.08.0001',
      sizeBytes: 0,
      progressHundredths: 0,
    }),
  );

  const make = (role: Credential['role'], projectId: string | null) => {
    clock.current += 1000;
    return createCredential(deps, { role, projectId, description: `wire ${role}` });
  };
  const admin = await make('admin', null);
  const operator = await make('operator', WORLD.project);
  const viewer = await make('viewer', WORLD.project);
  const stranger = await make('operator', WORLD.otherProject);
  clock.current = WORLD.now;
  const far = clock.now() + 365 * 86_400_000;
  const tokens: Record<string, string> = {
    admin: deps.tokens.issue(admin.accessKey, far),
    operator: deps.tokens.issue(operator.accessKey, far),
    viewer: deps.tokens.issue(viewer.accessKey, far),
    stranger: deps.tokens.issue(stranger.accessKey, far),
  };

  const app = await buildApp(deps);
  await app.ready();
  let signedCalls = 0;
  return {
    app,
    deps,
    clock,
    credentials: [admin, operator, viewer, stranger],
    async call(caller, options) {
      const headers = { ...(options.headers ?? {}) } as Record<string, string>;
      if (caller === 'signed-admin') {
        const url = new URL(options.url as string, 'http://dcs.example.test');
        const payload = typeof options.payload === 'string' ? options.payload : '';
        headers.host = 'dcs.example.test';
        // Each signed write must be new (replays are refused): one second later per call.
        signedCalls += 1;
        Object.assign(
          headers,
          signRequest(
            {
              method: options.method as string,
              rawPath: url.pathname,
              rawQuery: url.search.slice(1),
              headers: { host: headers.host, 'content-type': headers['content-type'] },
              payloadSha256: createHash('sha256').update(payload).digest('hex'),
            },
            admin.accessKey,
            admin.secretKey,
            clock.now() + signedCalls * 1000,
          ),
        );
      } else if (caller !== 'anonymous') {
        headers['x-auth-token'] = tokens[caller]!;
      }
      return app.inject({ ...options, headers });
    },
    async close() {
      await app.close();
      await opened.dispose();
    },
  };
}
