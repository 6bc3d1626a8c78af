import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseResponse, rawClient } from '../support/raw-http.ts';
import { startServiceProcess } from '../support/service-process.ts';

const HALF_BODY =
  'POST /admin/v1/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
  'Content-Length: 100\r\n\r\n{"role":';

describe('slow clients against the service binary', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-slow-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cuts off a half-sent body after DCS_HTTP_REQUEST_TIMEOUT_MS with a DCS 408', async () => {
    const service = await startServiceProcess(['--data-dir', path.join(dir, 'a')], {
      DCS_HTTP_HEADERS_TIMEOUT_MS: '200',
      DCS_HTTP_REQUEST_TIMEOUT_MS: '400',
    });
    try {
      const client = await rawClient(Number(new URL(service.url).port), HALF_BODY);
      const answer = parseResponse(await client.closed);
      assert.equal(answer.status, 408);
      assert.equal(JSON.parse(answer.body).error_code, 'DCS.4915');
    } finally {
      await service.stop();
    }
  });

  it('stops on SIGTERM while slow clients hold connections open', { timeout: 60_000 }, async () => {
    // Timeouts longer than the test may run: only the shutdown can end these connections.
    const service = await startServiceProcess(['--data-dir', path.join(dir, 'b')], {
      DCS_HTTP_HEADERS_TIMEOUT_MS: '600000',
      DCS_HTTP_REQUEST_TIMEOUT_MS: '600000',
      DCS_HTTP_IDLE_TIMEOUT_MS: '600000',
    });
    const port = Number(new URL(service.url).port);
    const clients = await Promise.all([
      ...Array.from({ length: 5 }, () => rawClient(port, HALF_BODY)),
      rawClient(port, 'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\n'),
      rawClient(port),
    ]);
    // An answer on a later connection: the service has taken the earlier ones by now.
    const probe = await rawClient(
      port,
      'GET /v2/p/instances HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.equal(parseResponse(await probe.closed).status, 401);
    const code = await service.stop();
    assert.equal(code, 0, service.output());
    for (const client of clients) assert.equal(await client.closed, '');
  });
});
