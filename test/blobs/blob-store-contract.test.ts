import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { S3BlobStore } from '../../src/blobs/s3-blob-store.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';
import { LARGE_BYTES, blobStoreContract, writeAll } from './blob-store-contract.ts';

describe('the blob store contract on a local directory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-contract-'));
  const blobs = new FsBlobStore(dir);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  blobStoreContract(() => blobs);
});

describe('the blob store contract on S3 (s3rver)', () => {
  let server: S3Server;
  let blobs: S3BlobStore;
  before(async () => {
    server = await startS3Server();
    blobs = server.store('dcs/');
  });
  after(async () => {
    blobs.close();
    await server.dispose();
  });
  blobStoreContract(() => blobs);

  it('stores the metadata given at commit, for a multipart and for a one-part object', async () => {
    for (const size of [LARGE_BYTES, 1000]) {
      const key = `meta-${size}.rdb`;
      const bytes = randomBytes(size);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const writer = await blobs.create(key, { sizeHint: size });
      await writeAll(writer, bytes);
      await writer.commit({ sha256: digest, 'rdb-version': '11', 'backup-id': 'b-1' });
      assert.deepEqual(await blobs.metadata(key), {
        sha256: digest,
        'rdb-version': '11',
        'backup-id': 'b-1',
      });
      assert.equal(await blobs.size(key), size);
    }
  });

  it('uploads parts over the memory bound from private files in the spool directory, and removes them', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-spool-'));
    const dir = path.join(parent, 's3-spool');
    const told: { key: string; partBytes: number; dir: string }[] = [];
    const spooling = new S3BlobStore(
      { ...server.settings('dcs/'), spool: { dir, maxMemoryPartBytes: 1024 * 1024 } },
      { onSpool: (event) => told.push(event) },
    );
    try {
      const bytes = randomBytes(LARGE_BYTES);
      const writer = await spooling.create('spooled.rdb', { sizeHint: LARGE_BYTES });
      await writeAll(writer, bytes);
      await writer.commit({ sha256: 'x' });
      const stream = await spooling.open('spooled.rdb');
      const chunks: Buffer[] = [];
      for await (const chunk of stream!) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(bytes));
      assert.deepEqual(told, [{ key: 'spooled.rdb', partBytes: 5 * 1024 * 1024, dir }]);
      assert.deepEqual(fs.readdirSync(dir), []);
      await spooling.remove('spooled.rdb');
    } finally {
      spooling.close();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('keeps to its prefix: objects beside it are neither listed nor removed', async () => {
    const other = server.store('elsewhere/');
    const writer = await other.create('outside.rdb');
    writer.stream.write('x');
    await writer.commit();
    const listed = await blobs.list();
    assert.ok(!listed.committed.includes('outside.rdb'));
    assert.ok(listed.committed.every((key) => !key.includes('/')));
    assert.equal(await blobs.size('outside.rdb'), undefined);
    assert.equal(await other.size('outside.rdb'), 1);
    other.close();
  });

  it('probes the bucket, and names the bucket and the call when it is missing or refuses the credentials', async () => {
    await blobs.probe();
    const missing = new S3BlobStore({ ...server.settings(), bucket: 'no-such-bucket' });
    await assert.rejects(missing.probe(), /s3:\/\/no-such-bucket\/dcs\/ refused PutObject: NoSuchBucket/);
    missing.close();
    const stranger = new S3BlobStore({
      ...server.settings(),
      credentials: { accessKeyId: 'STRANGER', secretAccessKey: 'wrong' },
    });
    await assert.rejects(stranger.probe(), /s3:\/\/backups\/dcs\/ refused PutObject: InvalidAccessKeyId/);
    stranger.close();
  });
});

describe('an S3 upload when the server goes away', () => {
  it('fails the write and the commit, and leaves no object', async () => {
    const server = await startS3Server();
    const blobs = server.store();
    try {
      const writer = await blobs.create('cut.rdb', { sizeHint: 1 });
      await writeAll(writer, randomBytes(6 * 1024 * 1024));
      await server.stop();
      await assert.rejects(async () => {
        await writeAll(writer, randomBytes(6 * 1024 * 1024));
        await writer.commit();
      });
      await writer.abort().catch(() => undefined);
    } finally {
      blobs.close();
      await server.dispose();
    }
    const again = await startS3Server();
    again.store().close();
    await again.dispose();
  });
});
