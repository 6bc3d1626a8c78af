import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../support/app.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

describe('POST /admin/v1/instances with the password apart from the URL', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;

  before(async () => {
    opened = await STORE_KINDS[0]!.open();
    app = await buildTestApp(opened.store);
  });
  after(async () => {
    await app.close();
    await opened.dispose();
  });

  const attach = (url: string, password: string) =>
    app.inject({
      method: 'POST',
      url: '/admin/v1/instances',
      payload: { project_id: 'p1', name: 'orders', url, password },
    });

  it('refuses a password given in the URL too, without repeating either', async () => {
    const response = await attach('redis://:in-the-url@127.0.0.1:6399', 'beside-the-url');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error_code, 'DCS.4800');
    assert.match(response.json().error_msg, /password/);
    assert.doesNotMatch(response.body, /in-the-url|beside-the-url/);
  });

  it('refuses an empty password', async () => {
    const response = await attach('redis://127.0.0.1:6399', '');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error_code, 'DCS.4800');
  });
});
