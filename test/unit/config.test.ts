import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, describeDatabase, loadServiceConfig } from '../../src/config.ts';

describe('service configuration', () => {
  it('defaults to SQLite under ./dcs-data on 127.0.0.1:8080', () => {
    const config = loadServiceConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, path.resolve('dcs-data'));
    assert.deepEqual(config.database, { kind: 'sqlite', file: path.resolve('dcs-data', 'metadata.sqlite') });
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

  it('describes a PostgreSQL location without its password', () => {
    assert.equal(
      describeDatabase({ kind: 'postgres', url: 'postgres://u:hunter2@db:5433/dcs' }),
      'postgres db:5433/dcs',
    );
  });
});
