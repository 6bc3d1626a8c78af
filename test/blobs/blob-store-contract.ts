import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { it } from 'node:test';
import type { BlobStore, BlobWriter } from '../../src/core/ports.ts';

/** Bigger than one 5 MiB part, so an object store streams it as a multipart upload. */
export const LARGE_BYTES = 11 * 1024 * 1024 + 123;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Writes the bytes in 256 KiB chunks, answering backpressure as a transfer does. */
export async function writeAll(writer: BlobWriter, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += 256 * 1024) {
    const chunk = bytes.subarray(at, at + 256 * 1024);
    await new Promise<void>((resolve, reject) => {
      const ok = writer.stream.write(chunk, (error) => (error ? reject(error) : ok && resolve()));
      if (!ok) writer.stream.once('drain', resolve);
    });
  }
}

/**
 * What every BlobStore promises, run against each implementation: `store()` gives the store under test, each
 * test uses its own keys. Links are checked where the store serves them itself (link()).
 */
export function blobStoreContract(store: () => BlobStore): void {
  const key = (name: string) => `${name}-${randomBytes(4).toString('hex')}.rdb`;

  it('shows a blob only once committed, and lists it as partial while it is written', async () => {
    const blobs = store();
    const name = key('visible');
    const bytes = randomBytes(LARGE_BYTES);
    const writer = await blobs.create(name, { sizeHint: bytes.length });
    await writeAll(writer, bytes);
    assert.equal(await blobs.size(name), undefined);
    assert.equal(await blobs.open(name), undefined);
    let listed = await blobs.list();
    assert.ok(!listed.committed.includes(name));
    assert.ok(listed.partial.includes(name));
    await writer.commit({ sha256: sha256(bytes) });
    assert.equal(await blobs.size(name), bytes.length);
    assert.equal(sha256(await buffer((await blobs.open(name))!)), sha256(bytes));
    listed = await blobs.list();
    assert.ok(listed.committed.includes(name));
    assert.ok(!listed.partial.includes(name));
  });

  it('leaves nothing behind when a streaming write is aborted, even twice', async () => {
    const blobs = store();
    const name = key('aborted');
    const writer = await blobs.create(name);
    await writeAll(writer, randomBytes(LARGE_BYTES));
    await writer.abort();
    await writer.abort();
    const listed = await blobs.list();
    assert.ok(!listed.committed.includes(name));
    assert.ok(!listed.partial.includes(name));
    assert.equal(await blobs.size(name), undefined);
    await assert.rejects(writer.commit(), /already committed or aborted/);
  });

  it('reads a small blob whole and by range', async () => {
    const blobs = store();
    const name = key('small');
    const writer = await blobs.create(name);
    writer.stream.write('hello ');
    writer.stream.write('world');
    await writer.commit();
    assert.equal((await buffer((await blobs.open(name))!)).toString(), 'hello world');
    assert.equal((await buffer((await blobs.open(name, { start: 6, end: 11 }))!)).toString(), 'world');
    assert.equal((await buffer((await blobs.open(name, { start: 3, end: 3 }))!)).length, 0);
  });

  it('reads a range across the parts of a large blob', async () => {
    const blobs = store();
    const name = key('range');
    const bytes = randomBytes(LARGE_BYTES);
    const writer = await blobs.create(name, { sizeHint: 1 });
    await writeAll(writer, bytes);
    await writer.commit();
    const start = 5 * 1024 * 1024 - 10;
    const end = start + 3 * 1024 * 1024;
    assert.ok((await buffer((await blobs.open(name, { start, end }))!)).equals(bytes.subarray(start, end)));
  });

  it('deletes a blob, and deleting it again is no error', async () => {
    const blobs = store();
    const name = key('deleted');
    const writer = await blobs.create(name);
    writer.stream.write('bytes');
    await writer.commit();
    await blobs.remove(name);
    assert.equal(await blobs.size(name), undefined);
    assert.equal(await blobs.open(name), undefined);
    assert.ok(!(await blobs.list()).committed.includes(name));
    await blobs.remove(name);
  });

  it('lists a stale write (its writer died) as partial until removePartial drops it', async () => {
    const blobs = store();
    const name = key('stale');
    const writer = await blobs.create(name);
    await writeAll(writer, randomBytes(LARGE_BYTES));
    // The writer is never committed or aborted: its process died. A later pass finds and removes it.
    assert.ok((await blobs.list()).partial.includes(name));
    await blobs.removePartial(name);
    const listed = await blobs.list();
    assert.ok(!listed.partial.includes(name));
    assert.ok(!listed.committed.includes(name));
    assert.equal(await blobs.size(name), undefined);
    writer.stream.destroy();
  });

  it('refuses keys that could leave its place', async () => {
    const blobs = store();
    for (const bad of ['../x', 'a/b', '']) await assert.rejects(blobs.create(bad), /invalid blob key/, bad);
  });

  it('hands out links that work until they expire, and refuses them tampered or expired', async (t) => {
    const blobs = store();
    if (!blobs.link) return t.skip('this store has no links of its own: the service serves its downloads');
    const name = key('linked');
    const bytes = randomBytes(300_000);
    const writer = await blobs.create(name);
    await writeAll(writer, bytes);
    await writer.commit();
    const fresh = await blobs.link(name, { expiresInS: 300, fileName: 'x.rdb', nowMs: Date.now() });
    const answer = await fetch(fresh.url);
    assert.equal(answer.status, 200);
    assert.equal(sha256(Buffer.from(await answer.arrayBuffer())), sha256(bytes));
    assert.match(answer.headers.get('content-disposition') ?? '', /x\.rdb/);

    // Signed as if an hour ago, for five minutes: expired now.
    const old = await blobs.link(name, { expiresInS: 300, fileName: 'x.rdb', nowMs: Date.now() - 3_600_000 });
    const expired = await fetch(old.url);
    assert.equal(expired.status, 403);
    await expired.arrayBuffer();

    // The credential the link was signed for, changed: refused. (s3rver checks the access key and the expiry
    // of a presigned URL but not its signature, so a changed signature or key is refused only by real servers.)
    const url = new URL(fresh.url);
    url.searchParams.set(
      'X-Amz-Credential',
      url.searchParams.get('X-Amz-Credential')!.replace(/^[^/]+/, 'FORGED'),
    );
    const tampered = await fetch(url);
    assert.equal(tampered.status, 403);
    await tampered.arrayBuffer();
  });
}
