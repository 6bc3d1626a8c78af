import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/core/errors.ts';
import { describeInstanceEndpoint } from '../../src/core/instance.ts';
import { isSentinelUrl, parseSentinelUrl } from '../../src/core/sentinel-url.ts';

describe('Sentinel URLs', () => {
  it('reads several Sentinels, the master name, the database and the data nodes credentials', () => {
    const parsed = parseSentinelUrl('redis-sentinel://backup:p%40ss@10.0.0.7:26379,[::1]:26380,s3/orders/2');
    assert.deepEqual(parsed.sentinel, {
      nodes: [
        { host: '10.0.0.7', port: 26379 },
        { host: '::1', port: 26380 },
        { host: 's3', port: 26379 },
      ],
      masterName: 'orders',
      username: null,
      password: null,
    });
    assert.deepEqual(parsed.endpoint, {
      host: '10.0.0.7',
      port: 26379,
      db: 2,
      username: 'backup',
      password: 'p@ss',
      tls: false,
    });
  });

  it('takes the Sentinels own credentials from the query, and TLS from the scheme or the flag', () => {
    const parsed = parseSentinelUrl(
      'rediss-sentinel://:data@h:1/m?sentinel_password=s%26cret&sentinel_username=watch',
    );
    assert.equal(parsed.sentinel.password, 's&cret');
    assert.equal(parsed.sentinel.username, 'watch');
    assert.equal(parsed.endpoint.password, 'data');
    assert.equal(parsed.endpoint.tls, true);
    assert.equal(parseSentinelUrl('redis-sentinel://h:1/m', true).endpoint.tls, true);
    assert.equal(parseSentinelUrl('redis-sentinel://h:1/m').endpoint.db, 0);
  });

  it('refuses what it cannot use, without echoing the URL', () => {
    const secret = 'hunter2';
    for (const bad of [
      `redis-sentinel://u:${secret}@h:1`,
      `redis-sentinel://u:${secret}@h:1/`,
      `redis-sentinel://u:${secret}@h:1,/m`,
      `redis-sentinel://u:${secret}@h:99999/m`,
      `redis-sentinel://u:${secret}@h:1/m/x`,
      `redis-sentinel://u:${secret}@h:1/m/1/2`,
      `redis-sentinel://u:${secret}@h:1/m?password=${secret}`,
      `redis-sentinel://u:${secret}@h:1/m?sentinel_username=only`,
      `redis-sentinel://u:${secret}@h:1/%E0%A4%A/`,
    ]) {
      assert.throws(
        () => parseSentinelUrl(bad),
        (error: unknown) =>
          error instanceof DomainError &&
          error.code === 'invalid_parameter' &&
          !error.message.includes(secret),
        bad,
      );
    }
  });

  it('tells Sentinel URLs from Redis URLs', () => {
    assert.equal(isSentinelUrl('redis-sentinel://h/m'), true);
    assert.equal(isSentinelUrl('REDISS-SENTINEL://h/m'), true);
    assert.equal(isSentinelUrl('redis://h:1'), false);
  });

  it('shows the Sentinels and master name, never a password', () => {
    const { endpoint, sentinel } = parseSentinelUrl(
      'redis-sentinel://backup:pw@a:1,[::1]:2/my%20master/3?sentinel_password=spw',
    );
    const shown = describeInstanceEndpoint({ endpoint, sentinel });
    assert.equal(shown, 'redis-sentinel://backup@a:1,[::1]:2/my%20master/3');
    assert.deepEqual(parseSentinelUrl(shown).sentinel.nodes, sentinel.nodes);
  });
});
