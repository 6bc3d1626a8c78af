import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { HttpServerSettings } from '../../src/api/http-server.ts';
import { testDeps } from '../support/app.ts';
import { parseResponse, rawClient, type RawClient, until } from '../support/raw-http.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const SQLITE = STORE_KINDS.find((kind) => kind.name === 'sqlite')!;
const LONG = 600_000;

async function listening(opened: OpenedStore, settings: HttpServerSettings): Promise<FastifyInstance> {
  const app = await buildApp(testDeps(opened.store), { server: settings });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

const portOf = (app: FastifyInstance) => (app.server.address() as AddressInfo).port;

const connections = (app: FastifyInstance) =>
  new Promise<number>((resolve, reject) =>
    app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

/** The one answer a connection got before the server closed it, checked to be a DCS error body. */
async function dcsAnswer(client: RawClient) {
  const response = parseResponse(await client.closed);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error_code', 'error_ext_msg', 'error_msg']);
  assert.equal(body.error_ext_msg, null);
  assert.match(response.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  return { status: response.status, code: body.error_code, headers: response.headers };
}

describe('the HTTP server with short timeouts', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    opened = await SQLITE.open();
    app = await listening(opened, {
      headersTimeoutMs: 200,
      requestTimeoutMs: 400,
      idleTimeoutMs: LONG,
      maxConnections: 100,
    });
    port = portOf(app);
  });
  after(async () => {
    await app.close();
    await opened.dispose();
  });

  it('cuts off a client that sent its headers and half its body with a DCS 408', async () => {
    const client = await rawClient(
      port,
      'POST /admin/v1/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"role":',
    );
    const answer = await dcsAnswer(client);
    assert.equal(answer.status, 408);
    assert.equal(answer.code, 'DCS.4915');
    assert.equal(answer.headers.connection, 'close');
  });

  it('cuts off a client that never finishes its headers, or sends nothing, with a DCS 408', async () => {
    const halfHeaders = await rawClient(port, 'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\n');
    const silent = await rawClient(port);
    for (const client of [halfHeaders, silent]) {
      const answer = await dcsAnswer(client);
      assert.equal(answer.status, 408);
      assert.equal(answer.code, 'DCS.4915');
    }
  });

  it('answers oversized headers and an oversized URL with a DCS 431', async () => {
    const big = 'a'.repeat(20_000);
    for (const request of [
      `GET /v2/p/instances HTTP/1.1\r\nHost: x\r\nX-Filler: ${big}\r\n\r\n`,
      `GET /v2/p/instances?${big} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]) {
      const answer = await dcsAnswer(await rawClient(port, request));
      assert.equal(answer.status, 431);
      assert.equal(answer.code, 'DCS.4916');
    }
  });

  it('answers bytes that are not HTTP with a DCS 400', async () => {
    for (const request of [
      'HELLO there\r\n\r\n',
      'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n',
      'POST /v2/p/instances HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
    ]) {
      const answer = await dcsAnswer(await rawClient(port, request));
      assert.equal(answer.status, 400, request);
      assert.equal(answer.code, 'DCS.4917', request);
    }
  });

  it("answers an HTTP/1.1 request without Host with a DCS 400, not Node's bare one", async () => {
    const answer = await dcsAnswer(await rawClient(port, 'GET /v2/p/instances HTTP/1.1\r\n\r\n'));
    assert.equal(answer.status, 400);
    assert.equal(answer.code, 'DCS.4917');
  });

  it("answers CONNECT with a DCS 405 and ignores an Expect it does not know, rather than Node's bare answers", async () => {
    const connect = await dcsAnswer(
      await rawClient(port, 'CONNECT elsewhere:443 HTTP/1.1\r\nHost: elsewhere:443\r\n\r\n'),
    );
    assert.equal(connect.status, 405);
    assert.equal(connect.code, 'DCS.5001');
    const expect = await dcsAnswer(
      await rawClient(
        port,
        'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n',
      ),
    );
    assert.equal(expect.status, 401);
    assert.equal(expect.code, 'DCS.1003');
  });

  it('answers a URL Fastify cannot decode with a DCS 400 that has a request id', async () => {
    const client = await rawClient(
      port,
      'GET /v2/%E0%A4%A/instances HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const answer = await dcsAnswer(client);
    assert.equal(answer.status, 400);
    assert.equal(answer.code, 'DCS.4800');
  });
});

describe('the HTTP server with an idle timeout shorter than the request timeout', () => {
  it('answers a client gone silent mid-body with a DCS 408 too, not a bare close', async () => {
    const opened = await SQLITE.open();
    const app = await listening(opened, {
      headersTimeoutMs: 200,
      requestTimeoutMs: LONG,
      idleTimeoutMs: 300,
      maxConnections: 100,
    });
    try {
      const client = await rawClient(
        portOf(app),
        'POST /admin/v1/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Transfer-Encoding: chunked\r\n\r\n100\r\n{"role":',
      );
      const answer = await dcsAnswer(client);
      assert.equal(answer.status, 408);
      assert.equal(answer.code, 'DCS.4915');
    } finally {
      await app.close();
      await opened.dispose();
    }
  });
});

describe('the HTTP server connection cap', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;

  before(async () => {
    opened = await SQLITE.open();
    app = await listening(opened, {
      headersTimeoutMs: LONG,
      requestTimeoutMs: LONG,
      idleTimeoutMs: LONG,
      maxConnections: 3,
    });
  });
  after(async () => {
    await app.close();
    await opened.dispose();
  });

  it('closes idle connections beyond the cap as they arrive, and takes new ones once there is room', async () => {
    const port = portOf(app);
    const held = [await rawClient(port), await rawClient(port), await rawClient(port)];
    await until(async () => (await connections(app)) === 3);
    const surplus = await Promise.all(Array.from({ length: 5 }, () => rawClient(port)));
    for (const client of surplus) assert.equal(await client.closed, '');
    assert.equal(await connections(app), 3);
    assert.ok(held.every((client) => !client.socket.destroyed));

    held[0]!.socket.destroy();
    await until(async () => (await connections(app)) === 2);
    const next = await rawClient(port, 'GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const answer = await dcsAnswer(next);
    assert.ok(answer.status >= 400 && answer.status < 500);
    for (const client of held) client.socket.destroy();
  });
});

describe('closing the HTTP server', () => {
  it('returns while slow clients are connected, cutting them off', { timeout: 60_000 }, async () => {
    const opened = await SQLITE.open();
    // Timeouts far longer than the test may run: only closing can end these connections.
    const app = await listening(opened, {
      headersTimeoutMs: LONG,
      requestTimeoutMs: LONG,
      idleTimeoutMs: LONG,
      maxConnections: 100,
    });
    const port = portOf(app);
    const slowBody = await rawClient(
      port,
      'POST /admin/v1/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"role":',
    );
    const halfHeaders = await rawClient(port, 'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\n');
    const silent = await rawClient(port);
    await until(async () => (await connections(app)) === 3);
    await app.close();
    for (const client of [slowBody, halfHeaders, silent]) assert.equal(await client.closed, '');
    await opened.dispose();
  });

  it('answers a request that arrives while closing with a DCS 503, and lets answers in progress finish', async () => {
    const opened = await SQLITE.open();
    const app = await buildApp(testDeps(opened.store), {
      server: { headersTimeoutMs: LONG, requestTimeoutMs: LONG, idleTimeoutMs: LONG, maxConnections: 100 },
    });
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // A request the test holds mid-way, so that closing has an answer in progress to wait for.
    app.addHook('onRequest', async (request) => {
      if (request.url !== '/held') return;
      entered();
      await released;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = portOf(app);
    const held = await rawClient(port, 'GET /held HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const late = await rawClient(port, 'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\n');
    await inHandler;

    const closing = app.close();
    await until(() => !app.server.listening);
    late.socket.write('\r\n');
    const answer = await dcsAnswer(late);
    assert.equal(answer.status, 503);
    assert.equal(answer.code, 'DCS.4918');
    assert.equal(answer.headers.connection, 'close');

    release();
    const heldAnswer = parseResponse(await held.closed);
    // The held request went on to the authentication it lacks: a full answer, not a cut connection.
    assert.equal(heldAnswer.status, 401);
    await closing;
    await opened.dispose();
  });
});
