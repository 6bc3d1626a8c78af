import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';

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
});
