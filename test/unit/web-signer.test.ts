import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { parseSdkDate, signRequest } from '../../src/core/auth/sdk-signature.ts';
import { signWithWebCrypto } from '../../web/src/api/web-signer.ts';

const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'a secret key with spaces + symbols/=';
const ENDPOINT = 'http://127.0.0.1:18090';

interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  data?: unknown;
}

const CALLS: Call[] = [
  { method: 'GET', path: '/v2/proj-a/instances', query: {} },
  {
    method: 'GET',
    path: '/v2/proj-a/instances/5560df16-cebf-4473-95c4-d1b573c16e79/backups',
    query: {
      begin_time: '20260101000000',
      end_time: '20261231235959',
      status: 'succeed,failed',
      limit: '1000',
    },
  },
  {
    method: 'POST',
    path: '/v2/proj-a/instances/5560df16-cebf-4473-95c4-d1b573c16e79/backups',
    query: {},
    data: { remark: 'ünïcode + space & (brackets)*', backup_format: 'rdb' },
  },
  {
    method: 'PUT',
    path: '/v2/proj-a/instances/5560df16-cebf-4473-95c4-d1b573c16e79',
    query: {},
    data: { instance_backup_policy: { backup_type: 'auto', save_days: 7 } },
  },
  { method: 'DELETE', path: '/admin/v1/credentials/HPUA%20weird', query: {} },
  { method: 'GET', path: '/admin/v1/instances', query: { project_id: "proj a!'()" } },
];

/**
 * The console signs in the browser with WebCrypto; it must produce exactly what the official SDK core's signer
 * produces for the same request (and what the CLI's node:crypto signer produces: one module under both).
 */
describe('the web console signer', () => {
  for (const call of CALLS) {
    it(`signs ${call.method} ${call.path} exactly as the SDK core does`, async () => {
      const sdkHeaders = AKSKSigner.sign(
        {
          endpoint: ENDPOINT + call.path,
          method: call.method,
          headers: { 'Content-Type': 'application/json', 'X-Project-Id': 'proj-a' },
          queryParams: call.query,
          data: call.data,
        } as never,
        { getAk: () => AK, getSk: () => SK } as never,
      ) as Record<string, string>;
      const lower = Object.fromEntries(Object.entries(sdkHeaders).map(([k, v]) => [k.toLowerCase(), v]));
      const nowMs = parseSdkDate(lower['x-sdk-date']!);
      assert.ok(nowMs !== undefined, lower['x-sdk-date']);
      const payload = call.data === undefined ? '' : JSON.stringify(call.data);
      const request = {
        method: call.method,
        rawPath: call.path,
        rawQuery: new URLSearchParams(call.query).toString(),
        headers: { 'content-type': 'application/json', host: '127.0.0.1:18090', 'x-project-id': 'proj-a' },
        payloadSha256: createHash('sha256').update(payload).digest('hex'),
      };

      const web = await signWithWebCrypto(request, AK, SK, nowMs);
      assert.equal(web.authorization, lower.authorization);
      assert.equal(web['x-sdk-date'], lower['x-sdk-date']);
      assert.deepEqual(web, signRequest(request, AK, SK, nowMs));
    });
  }

  it('gives another signature when any signed part changes (the comparison can fail)', async () => {
    const base = {
      method: 'GET',
      rawPath: '/v2/proj-a/instances',
      rawQuery: 'limit=10',
      headers: { host: '127.0.0.1:18090' },
      payloadSha256: createHash('sha256').update('').digest('hex'),
    };
    const now = Date.UTC(2026, 11, 2, 16, 0, 0);
    const reference = (await signWithWebCrypto(base, AK, SK, now)).authorization;
    const variants = [
      { ...base, method: 'DELETE' },
      { ...base, rawPath: '/v2/proj-b/instances' },
      { ...base, rawQuery: 'limit=11' },
      { ...base, headers: { host: '127.0.0.1:18091' } },
    ];
    for (const variant of variants) {
      assert.notEqual((await signWithWebCrypto(variant, AK, SK, now)).authorization, reference);
    }
    assert.notEqual((await signWithWebCrypto(base, AK, `${SK}x`, now)).authorization, reference);
    assert.notEqual((await signWithWebCrypto(base, AK, SK, now + 1000)).authorization, reference);
  });
});
