import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/core/errors.ts';
import { describeEndpoint } from '../../src/core/instance.ts';
import { parseRedisUrl } from '../../src/core/redis-url.ts';

describe('Redis URLs', () => {
  it('reads host, port, database, user and password', () => {
    assert.deepEqual(parseRedisUrl('redis://backup:p%40ss@10.0.0.5:6380/3'), {
      host: '10.0.0.5',
      port: 6380,
      db: 3,
      username: 'backup',
      password: 'p@ss',
      tls: false,
    });
    assert.deepEqual(parseRedisUrl('redis://:only-pass@cache.local'), {
      host: 'cache.local',
      port: 6379,
      db: 0,
      username: null,
      password: 'only-pass',
      tls: false,
    });
  });

  it('turns on TLS for rediss:// or when asked', () => {
    assert.equal(parseRedisUrl('rediss://h:1').tls, true);
    assert.equal(parseRedisUrl('redis://h:1', true).tls, true);
    assert.equal(parseRedisUrl('redis://[::1]:7000').host, '::1');
  });

  it('refuses other schemes and bad databases without echoing the URL', () => {
    for (const url of [
      'http://u:topsecret@h:1',
      'redis://u:topsecret@h:1/x',
      'redis//u:topsecret@h',
      'redis://u:topsecret@h:99999',
    ]) {
      assert.throws(
        () => parseRedisUrl(url),
        (error: unknown) =>
          error instanceof DomainError &&
          error.code === 'invalid_parameter' &&
          !error.message.includes('topsecret'),
        url,
      );
    }
  });

  it('describes an endpoint without its password', () => {
    const text = describeEndpoint(parseRedisUrl('rediss://backup:topsecret@h:7000/2'));
    assert.equal(text, 'rediss://backup@h:7000/2');
  });
});
