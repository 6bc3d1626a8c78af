import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { AppDeps } from '../../src/api/app-deps.ts';
import {
  FREE_FAILURES,
  FailureLimiter,
  IN_FLIGHT_PER_ACCESS_KEY,
  IN_FLIGHT_PER_ADDRESS,
} from '../../src/api/auth/failure-limiter.ts';
import type { Credential } from '../../src/core/auth/credential.ts';
import { signRequest } from '../../src/core/auth/sdk-signature.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { ManualClock, testDeps } from '../support/app.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const HOST = '127.0.0.1:18089';
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lets the event loop run until `done` holds: progress, not time, ends the wait. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 20_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(done(), `never happened: ${what}`);
}

describe('parallel failing attempts', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let deps: AppDeps;
  let admin: Credential;
  let operator: Credential;
  const clock = new ManualClock(Date.UTC(2026, 0, 10, 12));
  /** Failed answers waiting out their delay; they go on only when the test lets them. */
  let waiting = 0;
  let mostWaiting = 0;
  let letGo: () => void = () => undefined;
  let held: Promise<void> = Promise.resolve();
  let evaluations = 0;

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    const limiter = new FailureLimiter({
      wait: async () => {
        waiting += 1;
        mostWaiting = Math.max(mostWaiting, waiting);
        await held;
        waiting -= 1;
      },
    });
    deps = { ...testDeps(opened.store, clock), failureLimiter: limiter };
    const authenticate = deps.auth.authenticate.bind(deps.auth);
    deps.auth.authenticate = (request) => {
      evaluations += 1;
      return authenticate(request);
    };
    app = await buildApp(deps);
    admin = await createCredential(deps, { role: 'admin', projectId: null, description: null });
    operator = await createCredential(deps, { role: 'operator', projectId: 'p', description: null });
  });

  beforeEach(() => {
    // Each test starts a minute later: the failures of the last one are out of the window.
    clock.current += 61_000;
    waiting = 0;
    mostWaiting = 0;
    evaluations = 0;
    held = new Promise((resolve) => (letGo = resolve));
  });

  after(async () => {
    letGo();
    await app.close();
    await opened.dispose();
  });

  const tokenOf = (credential: Credential) =>
    deps.tokens.issue(credential.accessKey, clock.now() + 3_600_000);
  const list = (address: string, headers: Record<string, string>): InjectOptions => ({
    method: 'GET',
    url: '/v2/p/instances',
    remoteAddress: address,
    headers,
  });
  const signedList = (credential: Credential, secretKey = credential.secretKey) => {
    const headers = { host: HOST, 'content-type': 'application/json' };
    return {
      ...headers,
      ...signRequest(
        { method: 'GET', rawPath: '/v2/p/instances', rawQuery: '', headers, payloadSha256: EMPTY_SHA },
        credential.accessKey,
        secretKey,
        clock.now(),
      ),
    };
  };

  /** Sends them all at once; resolves once every one is answered but those held in their delay. */
  async function storm(requests: InjectOptions[]) {
    const answers: LightMyRequestResponse[] = [];
    const all = Promise.all(requests.map((r) => app.inject(r).then((answer) => answers.push(answer))));
    await until(() => waiting > 0 && answers.length + waiting === requests.length, 'the storm settles');
    return { answers, all };
  }

  const throttled = (answers: LightMyRequestResponse[]) =>
    answers.filter((a) => a.statusCode === 429 && a.json().error_code === 'DCS.4911');

  it('from one address: at most the bound in flight, the rest refused at once, unevaluated', async () => {
    const { answers, all } = await storm(
      Array.from({ length: 60 }, () => list('10.9.9.9', { 'x-auth-token': 'not-a-token' })),
    );
    const evaluated = evaluations;
    assert.ok(mostWaiting <= IN_FLIGHT_PER_ADDRESS, `${mostWaiting} waited at once`);
    assert.ok(evaluated <= FREE_FAILURES + IN_FLIGHT_PER_ADDRESS, `${evaluated} evaluated`);
    const refused = throttled(answers);
    assert.equal(refused.length, 60 - evaluated, 'every attempt not evaluated was refused');
    assert.ok(refused.length >= 60 - FREE_FAILURES - IN_FLIGHT_PER_ADDRESS);
    assert.ok(
      refused.every((a) => Number(a.headers['retry-after']) >= 1),
      'with Retry-After',
    );
    assert.ok(answers.every((a) => a.statusCode === 429 || a.statusCode === 401));

    // During the storm: a good token from the same address is refused too (it is not evaluated)...
    assert.equal((await app.inject(list('10.9.9.9', { 'x-auth-token': tokenOf(admin) }))).statusCode, 429);
    // ...but other addresses are not affected.
    assert.equal((await app.inject(list('10.8.8.8', { 'x-auth-token': tokenOf(admin) }))).statusCode, 200);

    assert.equal(evaluations, evaluated + 1, 'only the request from the other address was evaluated');

    letGo();
    await all;
    assert.equal(answers.filter((a) => a.statusCode === 401).length, evaluated, 'each evaluated one failed');
    // Once the storm is over, the good token works from that address at once.
    assert.equal((await app.inject(list('10.9.9.9', { 'x-auth-token': tokenOf(admin) }))).statusCode, 200);
  });

  it('for one AK from many addresses: at most its bound in flight; other AKs go on', async () => {
    const { answers, all } = await storm(
      Array.from({ length: 60 }, (_, i) => list(`10.7.0.${i + 1}`, signedList(admin, 'x'.repeat(40)))),
    );
    const evaluated = evaluations;
    assert.ok(mostWaiting <= IN_FLIGHT_PER_ACCESS_KEY, `${mostWaiting} waited at once`);
    assert.ok(evaluated <= FREE_FAILURES + IN_FLIGHT_PER_ACCESS_KEY, `${evaluated} evaluated`);
    assert.equal(throttled(answers).length, 60 - evaluated);
    // The AK under attack is refused while the storm lasts, from anywhere; another AK is not.
    assert.equal((await app.inject(list('10.6.0.1', signedList(admin)))).statusCode, 429);
    assert.equal((await app.inject(list('10.6.0.1', signedList(operator)))).statusCode, 200);
    letGo();
    await all;
    assert.equal((await app.inject(list('10.6.0.1', signedList(admin)))).statusCode, 200);
  });

  it('never refuses an honest burst: attempts queue for a slot while nothing fails', async () => {
    const token = tokenOf(operator);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => app.inject(list('10.5.5.5', { 'x-auth-token': token }))),
    );
    assert.deepEqual(
      answers.map((a) => a.statusCode),
      answers.map(() => 200),
    );
    const signed = await Promise.all(
      Array.from({ length: 30 }, (_, i) => app.inject(list(`10.4.4.${i}`, signedList(operator)))),
    );
    assert.ok(signed.every((a) => a.statusCode === 200));
  });
});

describe('the failure limiter alone', () => {
  it('refuses the attempts queued behind a storm as soon as a failure starts to wait', async () => {
    let letGo: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const limiter = new FailureLimiter({ inFlightPerAddress: 2, wait: () => held });
    const keys = { address: 'a', accessKey: null };
    for (let i = 0; i < FREE_FAILURES; i++) await (await limiter.enter(keys))!.failed(0);
    const first = (await limiter.enter(keys))!;
    const second = (await limiter.enter(keys))!;
    const queued = limiter.enter(keys);
    const failing = first.failed(0); // the sixth failure: it waits, holding its slot
    assert.equal(await queued, undefined, 'the queued attempt is refused');
    assert.equal(await limiter.enter(keys), undefined, 'so is a new one');
    second.succeeded();
    const third = await limiter.enter(keys);
    assert.ok(third, 'a free slot is used, even during the storm');
    third.succeeded();
    letGo();
    await failing;
    const after = await limiter.enter({ address: 'a', accessKey: 'AK' });
    assert.ok(after);
    after.succeeded();
  });
});
