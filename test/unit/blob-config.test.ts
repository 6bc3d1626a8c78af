import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadServiceConfig } from '../../src/config.ts';

/** Parts over 64 MiB go to files under the data directory by default. */
const SPOOL = { dir: path.resolve('dcs-data', 's3-spool'), maxMemoryPartBytes: 64 * 1024 * 1024 };

describe('blob store configuration', () => {
  it('keeps backup files in the data directory unless a bucket is named', () => {
    assert.deepEqual(loadServiceConfig({}).blobs, { kind: 'fs' });
    assert.deepEqual(loadServiceConfig({ DCS_BLOB_URL: '' }).blobs, { kind: 'fs' });
  });

  it('reads s3://BUCKET/PREFIX and the DCS_S3_* variables; the flag wins over DCS_BLOB_URL', () => {
    const config = loadServiceConfig(
      {
        DCS_BLOB_URL: 's3://ignored-bucket',
        DCS_S3_ENDPOINT: 'http://127.0.0.1:9000',
        DCS_S3_REGION: 'eu-west-101',
        DCS_S3_FORCE_PATH_STYLE: 'true',
        DCS_S3_SSE: 'aws:kms',
        DCS_S3_SSE_KMS_KEY_ID: 'key-1',
      },
      { blobUrl: 's3://my-backups/team/dcs/' },
    );
    assert.deepEqual(config.blobs, {
      kind: 's3',
      s3: {
        bucket: 'my-backups',
        prefix: 'team/dcs/',
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-101',
        forcePathStyle: true,
        sse: { algorithm: 'aws:kms', kmsKeyId: 'key-1' },
        spool: SPOOL,
      },
    });
  });

  it("takes the AWS SDK's own endpoint and region variables, and no prefix", () => {
    const config = loadServiceConfig({
      DCS_BLOB_URL: 's3://bk1',
      AWS_ENDPOINT_URL_S3: 'https://obs.example',
      AWS_REGION: 'r1',
    });
    assert.deepEqual(config.blobs, {
      kind: 's3',
      s3: {
        bucket: 'bk1',
        prefix: '',
        endpoint: 'https://obs.example',
        region: 'r1',
        forcePathStyle: false,
        spool: SPOOL,
      },
    });
    const aws = loadServiceConfig({ DCS_BLOB_URL: 's3://bk1/p', DCS_S3_SSE: 'AES256' });
    assert.deepEqual(aws.blobs, {
      kind: 's3',
      s3: { bucket: 'bk1', prefix: 'p/', forcePathStyle: false, sse: { algorithm: 'AES256' }, spool: SPOOL },
    });
  });

  it('spools parts over DCS_S3_MAX_MEMORY_PART_MB to files under the data directory', () => {
    const config = loadServiceConfig(
      { DCS_BLOB_URL: 's3://bk1', DCS_S3_MAX_MEMORY_PART_MB: '8' },
      { dataDir: 'elsewhere' },
    );
    assert.ok(config.blobs.kind === 's3');
    assert.deepEqual(config.blobs.s3.spool, {
      dir: path.resolve('elsewhere', 's3-spool'),
      maxMemoryPartBytes: 8 * 1024 * 1024,
    });
  });

  it('refuses what it cannot use', () => {
    for (const env of [
      { DCS_BLOB_URL: 'gs://bucket/x' },
      { DCS_BLOB_URL: 's3://' },
      { DCS_BLOB_URL: 's3://Bad_Bucket' },
      { DCS_BLOB_URL: 's3://bk1/a//b' },
      { DCS_BLOB_URL: 's3://bk1/a b' },
      { DCS_BLOB_URL: 's3://bk1', DCS_S3_SSE: 'rot13' },
      { DCS_BLOB_URL: 's3://bk1', DCS_S3_SSE_KMS_KEY_ID: 'k' },
      { DCS_BLOB_URL: 's3://bk1', DCS_S3_FORCE_PATH_STYLE: 'yes' },
      { DCS_BLOB_URL: 's3://bk1', DCS_S3_MAX_MEMORY_PART_MB: '0' },
    ]) {
      assert.throws(() => loadServiceConfig(env), ConfigError, JSON.stringify(env));
    }
  });
});
