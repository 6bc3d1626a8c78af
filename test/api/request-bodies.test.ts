import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const SQLITE = STORE_KINDS.find((kind) => kind.name === 'sqlite')!;
const PROJECT = 'project-a';

describe('request bodies', () => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let instanceId: string;
  const backups = () => `/v2/${PROJECT}/instances/${instanceId}/backups`;
  const send = (url: string, payload: string, contentType = 'application/json', method = 'POST') =>
    app.inject({ method: method as 'POST', url, headers: { 'content-type': contentType }, payload });
  const recordCount = async () =>
    (await app.inject({ method: 'GET', url: backups() })).json().total_num as number;

  before(async () => {
    opened = await SQLITE.open();
    app = await buildTestApp(opened.store);
    const instance = makeInstance({ projectId: PROJECT });
    await opened.store.instances.insert(instance);
    instanceId = instance.id;
  });
  after(async () => {
    await app.close();
    await opened.dispose();
  });

  it('refuses a JSON null, array or number body with DCS.4005 instead of reading it as empty', async () => {
    for (const payload of ['null', '[]', '[{"remark":"x"}]', '7', '"text"']) {
      const response = await send(backups(), payload);
      assert.equal(response.statusCode, 400, payload);
      assert.equal(response.json().error_code, 'DCS.4005', payload);
    }
    const policy = await send(`/v2/${PROJECT}/instances/${instanceId}`, 'null', 'application/json', 'PUT');
    assert.equal(policy.json().error_code, 'DCS.4005');
    assert.equal(await recordCount(), 0);
  });

  it('refuses a text/plain body with DCS.4005, as docs/errors.md says', async () => {
    for (const contentType of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
    ]) {
      const response = await send(backups(), '{"remark":"x"}', contentType);
      assert.equal(response.statusCode, 400, contentType);
      assert.equal(response.json().error_code, 'DCS.4005', contentType);
    }
    assert.equal(await recordCount(), 0);
  });

  it('answers a body without a content type with DCS.4005 and one over 1 MiB with DCS.4904', async () => {
    const untyped = await app.inject({ method: 'POST', url: backups(), payload: '{"remark":"x"}' });
    assert.equal(untyped.statusCode, 400);
    assert.equal(untyped.json().error_code, 'DCS.4005');
    const huge = await send(backups(), JSON.stringify({ remark: 'x'.repeat(1024 * 1024) }));
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error_code, 'DCS.4904');
    assert.equal(await recordCount(), 0);
  });

  it('refuses a lone surrogate in any string with DCS.4800 naming the field, and stores nothing', async () => {
    const cases: [string, string, string][] = [
      [backups(), '{"remark":"before \\ud800 after"}', 'remark'],
      [backups(), '{"remark":"\\udc00"}', 'remark'],
      [backups(), '{"remark":"\\ude00\\ud83d"}', 'remark'],
      [
        `/v2/${PROJECT}/instances/${instanceId}`,
        '{"instance_backup_policy":{"backup_type":"auto","save_days":1,"periodical_backup_plan":' +
          '{"backup_at":[1],"period_type":"weekly","begin_at":"02:00-03:00","timezone_offset":"+08:00\\ud800"}}}',
        'instance_backup_policy.periodical_backup_plan.timezone_offset',
      ],
      [backups(), '{"x\\ud800":"y"}', 'a field name in body'],
    ];
    for (const [url, payload, field] of cases) {
      const response = await send(url, payload, 'application/json', url === backups() ? 'POST' : 'PUT');
      assert.equal(response.statusCode, 400, payload);
      assert.equal(response.json().error_code, 'DCS.4800', payload);
      assert.ok(response.json().error_msg.includes(field), `${payload}: ${response.body}`);
      assert.ok(!response.body.includes('\ufffd'), payload);
    }
    assert.equal(await recordCount(), 0);
    const shown = await app.inject({ method: 'GET', url: `/v2/${PROJECT}/instances/${instanceId}` });
    assert.equal(shown.json().instance_backup_policy, null);
  });

  it('refuses bytes that are not UTF-8 with DCS.4005 instead of storing U+FFFD', async () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const payload = Buffer.concat([Buffer.from('{"remark":"a'), Buffer.from(bad), Buffer.from('b"}')]);
      const response = await app.inject({
        method: 'POST',
        url: backups(),
        headers: { 'content-type': 'application/json' },
        payload,
      });
      assert.equal(response.statusCode, 400, payload.toString('hex'));
      assert.equal(response.json().error_code, 'DCS.4005', payload.toString('hex'));
    }
    assert.equal(await recordCount(), 0);
  });

  it('keeps a surrogate pair, escaped or not, as the character it encodes', async () => {
    const response = await send(backups(), '{"remark":"\\ud83d\\ude00 and 😀"}');
    assert.equal(response.statusCode, 200, response.body);
    const listed = (await app.inject({ method: 'GET', url: backups() })).json();
    assert.equal(listed.backup_record_response[0].remark, '😀 and 😀');
  });
});
