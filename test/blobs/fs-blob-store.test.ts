import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { FsBlobStore, STORE_ID_FILE } from '../../src/blobs/fs-blob-store.ts';

describe('the filesystem blob store', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-fsblob-'));
  const blobs = new FsBlobStore(dir);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows a blob under its key only once committed', async () => {
    const writer = await blobs.create('a.rdb');
    writer.stream.write('hello ');
    writer.stream.write('world');
    assert.equal(await blobs.size('a.rdb'), undefined);
    assert.deepEqual(await blobs.list(), { committed: [], partial: ['a.rdb'] });
    await writer.commit();
    assert.equal(await blobs.size('a.rdb'), 11);
    assert.equal(await text((await blobs.open('a.rdb'))!), 'hello world');
    assert.deepEqual(await blobs.list(), { committed: ['a.rdb'], partial: [] });
  });

  it('drops an aborted write and removes blobs', async () => {
    const writer = await blobs.create('b.rdb');
    writer.stream.write('partial');
    await writer.abort();
    await writer.abort();
    assert.deepEqual((await blobs.list()).partial, []);
    await blobs.remove('a.rdb');
    assert.equal(await blobs.open('a.rdb'), undefined);
    await blobs.remove('a.rdb');
  });

  it('refuses keys that could leave its directory', async () => {
    for (const key of ['../x', 'a/b', '', 'x.partial']) {
      await assert.rejects(blobs.create(key), /invalid blob key/, key);
    }
  });

  it('has an id of its own, kept in the directory: the same for every store over it, never listed as a blob', () => {
    const file = path.join(dir, STORE_ID_FILE);
    assert.match(blobs.id, /^fs:[0-9a-f-]{36}$/);
    assert.equal(`fs:${fs.readFileSync(file, 'utf8').trim()}`, blobs.id);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(new FsBlobStore(dir).id, blobs.id, 'reopened');
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-fsblob-other-'));
    try {
      assert.notEqual(new FsBlobStore(otherDir).id, blobs.id);
      assert.deepEqual(fs.readdirSync(otherDir), [STORE_ID_FILE], 'nothing left beside the id file');
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
    return blobs.list().then((listing) => {
      assert.ok(!listing.committed.includes(STORE_ID_FILE));
    });
  });

  it('refuses to start over an id file that holds no id, rather than take another identity', () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-fsblob-bad-'));
    try {
      fs.writeFileSync(path.join(otherDir, STORE_ID_FILE), 'garbage');
      assert.throws(() => new FsBlobStore(otherDir), /does not hold an id/);
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
