import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ConfigError,
  defaultListingIndexMegabytes,
  describeDatabase,
  loadServiceConfig,
} from '../../src/config.ts';

describe('service configuration', () => {
  it('defaults to SQLite under ./dcs-data on 127.0.0.1:8080', () => {
    const config = loadServiceConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, path.resolve('dcs-data'));
    assert.deepEqual(config.database, { kind: 'sqlite', file: path.resolve('dcs-data', 'metadata.sqlite') });
  });

  it('tries the restore fast path by default, at the address targets see; an address or off by environment', () => {
    assert.deepEqual(loadServiceConfig({}).jobs.restoreFastPath, {});
    assert.deepEqual(
      loadServiceConfig({ DCS_RESTORE_REPLICATION_HOST: '10.0.0.9', DCS_RESTORE_REPLICATION_BIND: '0.0.0.0' })
        .jobs.restoreFastPath,
      { advertiseHost: '10.0.0.9', bindHost: '0.0.0.0' },
    );
    assert.equal(loadServiceConfig({ DCS_RESTORE_FAST_PATH: 'off' }).jobs.restoreFastPath, false);
    assert.throws(() => loadServiceConfig({ DCS_RESTORE_FAST_PATH: 'maybe' }), ConfigError);
  });

  it('reads the environment, and flags win over it', () => {
    const env = {
      DCS_HOST: '0.0.0.0',
      DCS_PORT: '9000',
      DCS_DATA_DIR: '/srv/dcs',
      DCS_DATABASE_URL: 'postgres://u:pw@db:5433/dcs',
    };
    const fromEnv = loadServiceConfig(env);
    assert.equal(fromEnv.host, '0.0.0.0');
    assert.equal(fromEnv.port, 9000);
    assert.equal(fromEnv.dataDir, '/srv/dcs');
    assert.deepEqual(fromEnv.database, { kind: 'postgres', url: 'postgres://u:pw@db:5433/dcs' });
    const fromFlags = loadServiceConfig(env, { port: '9100', dataDir: '/tmp/x', databaseUrl: '' });
    assert.equal(fromFlags.port, 9100);
    assert.deepEqual(fromFlags.database, { kind: 'sqlite', file: '/tmp/x/metadata.sqlite' });
  });

  it('refuses a bad port or database URL without repeating a password', () => {
    assert.throws(() => loadServiceConfig({ DCS_PORT: '70000' }), ConfigError);
    assert.throws(() => loadServiceConfig({ DCS_PORT: 'http' }), ConfigError);
    assert.throws(
      () => loadServiceConfig({ DCS_DATABASE_URL: 'mysql://u:hunter2@h/db' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
    );
  });

  it('has HTTP timeouts and a connection cap, each settable by environment', () => {
    assert.deepEqual(loadServiceConfig({}).http, {
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 65_000,
      maxConnections: 1024,
    });
    const set = loadServiceConfig({
      DCS_HTTP_HEADERS_TIMEOUT_MS: '2000',
      DCS_HTTP_REQUEST_TIMEOUT_MS: '4000',
      DCS_HTTP_IDLE_TIMEOUT_MS: '6000',
      DCS_HTTP_MAX_CONNECTIONS: '50',
    }).http;
    assert.deepEqual(set, {
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      idleTimeoutMs: 6000,
      maxConnections: 50,
    });
    assert.throws(() => loadServiceConfig({ DCS_HTTP_MAX_CONNECTIONS: '0' }), ConfigError);
    assert.throws(() => loadServiceConfig({ DCS_HTTP_IDLE_TIMEOUT_MS: '1s' }), ConfigError);
    assert.throws(
      () => loadServiceConfig({ DCS_HTTP_HEADERS_TIMEOUT_MS: '40000' }),
      /DCS_HTTP_HEADERS_TIMEOUT_MS must not be larger than DCS_HTTP_REQUEST_TIMEOUT_MS/,
    );
  });

  it('reads the public URL for links, flag over environment, and refuses what is not one', () => {
    assert.equal(loadServiceConfig({}).publicUrl, undefined);
    assert.equal(
      loadServiceConfig({ DCS_PUBLIC_URL: 'https://backups.example.com/' }).publicUrl,
      'https://backups.example.com',
    );
    assert.equal(
      loadServiceConfig({ DCS_PUBLIC_URL: 'https://a.example' }, { publicUrl: 'http://b.example:8080/dcs/' })
        .publicUrl,
      'http://b.example:8080/dcs',
    );
    for (const bad of [
      'backups.example.com',
      'ftp://x.example',
      'https://x.example/?a=1',
      'https://u:p@x.example',
    ]) {
      assert.throws(() => loadServiceConfig({ DCS_PUBLIC_URL: bad }), ConfigError, bad);
    }
  });

  it('serves HTTPS only with both a certificate and a key', () => {
    assert.equal(loadServiceConfig({}).tls, undefined);
    assert.deepEqual(loadServiceConfig({ DCS_TLS_CERT: 'c.pem' }, { tlsKey: 'k.pem' }).tls, {
      certFile: path.resolve('c.pem'),
      keyFile: path.resolve('k.pem'),
    });
    assert.throws(() => loadServiceConfig({ DCS_TLS_CERT: 'c.pem' }), /both a certificate and a key/);
    assert.throws(() => loadServiceConfig({}, { tlsKey: 'k.pem' }), /both a certificate and a key/);
  });

  it('describes a PostgreSQL location without its password', () => {
    assert.equal(
      describeDatabase({ kind: 'postgres', url: 'postgres://u:hunter2@db:5433/dcs' }),
      'postgres db:5433/dcs',
    );
  });

  it('keeps 32 MiB of listing bodies unless DCS_LISTING_CACHE_MB says otherwise (0: none)', () => {
    assert.equal(loadServiceConfig({}).listingCacheBytes, 32 * 1024 * 1024);
    assert.equal(loadServiceConfig({ DCS_LISTING_CACHE_MB: '4' }).listingCacheBytes, 4 * 1024 * 1024);
    assert.equal(loadServiceConfig({ DCS_LISTING_CACHE_MB: '0' }).listingCacheBytes, 0);
    for (const bad of ['-1', '1.5', 'lots', '10000000'])
      assert.throws(() => loadServiceConfig({ DCS_LISTING_CACHE_MB: bad }), ConfigError);
  });

  it('keeps a sixteenth of the memory, 64 MiB to 1 GiB, of whole listings unless DCS_LISTING_INDEX_MB says otherwise (0: none)', () => {
    const GiB = 2 ** 30;
    assert.equal(defaultListingIndexMegabytes(512 * 2 ** 20), 64, 'never below 64 MiB');
    assert.equal(defaultListingIndexMegabytes(2 * GiB), 128);
    assert.equal(defaultListingIndexMegabytes(8 * GiB), 512);
    assert.equal(defaultListingIndexMegabytes(24 * GiB), 1024, 'never above 1 GiB');
    assert.equal(loadServiceConfig({}).listingIndexBytes, defaultListingIndexMegabytes() * 2 ** 20);
    assert.equal(loadServiceConfig({ DCS_LISTING_INDEX_MB: '512' }).listingIndexBytes, 512 * 1024 * 1024);
    assert.equal(loadServiceConfig({ DCS_LISTING_INDEX_MB: '0' }).listingIndexBytes, 0);
    for (const bad of ['-1', '1.5', 'lots', '10000000'])
      assert.throws(() => loadServiceConfig({ DCS_LISTING_INDEX_MB: bad }), ConfigError);
  });

  it('renews the node heartbeat every 10 s unless DCS_NODE_HEARTBEAT_MS says otherwise', () => {
    assert.equal(loadServiceConfig({}).nodeHeartbeatMs, 10_000);
    assert.equal(loadServiceConfig({ DCS_NODE_HEARTBEAT_MS: '2500' }).nodeHeartbeatMs, 2_500);
    assert.throws(() => loadServiceConfig({ DCS_NODE_HEARTBEAT_MS: '0' }), ConfigError);
  });
});
