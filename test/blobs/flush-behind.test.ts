import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { FlushBehindStream } from '../../src/blobs/flush-behind-stream.ts';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';

const KIB = 1024;

/** Writes `count` chunks of `size` bytes, each filled with its index from `first`, honouring backpressure. */
async function writeChunks(
  stream: NodeJS.WritableStream,
  count: number,
  size: number,
  first = 0,
): Promise<void> {
  for (let i = first; i < first + count; i++) {
    if (!stream.write(Buffer.alloc(size, i % 256)))
      await new Promise((resolve) => stream.once('drain', resolve));
  }
}

describe('flushing a file behind its writes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-flush-behind-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('asks the disk to write the file while it grows, and keeps every byte in order', async () => {
    const file = path.join(dir, 'grows');
    const flushedAt: number[] = [];
    const stream = new FlushBehindStream(file, {
      mode: 0o600,
      highWaterMark: 64 * KIB,
      flushEvery: 256 * KIB,
      sync: (fd, callback) => {
        flushedAt.push(stream.bytesWritten);
        fs.fdatasync(fd, callback);
      },
    });
    await writeChunks(stream, 64, 32 * KIB);
    stream.end();
    await finished(stream);
    // 2 MiB written, a flush at most every 256 KiB and never two at once: at least one, at most eight.
    assert.ok(flushedAt.length >= 1 && flushedAt.length <= 8, `flushes at ${flushedAt.join(', ')}`);
    for (let i = 1; i < flushedAt.length; i++) assert.ok(flushedAt[i]! - flushedAt[i - 1]! >= 256 * KIB);
    assert.equal(stream.flushFailure, undefined);
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.length, 64 * 32 * KIB);
    for (let i = 0; i < 64; i++) assert.equal(bytes[i * 32 * KIB + 7], i);
  });

  it('holds small writes and writes them together, the last of them when the stream ends', async () => {
    const file = path.join(dir, 'coalesced');
    const stream = new FlushBehindStream(file, {
      mode: 0o600,
      highWaterMark: 64 * KIB,
      coalesceBytes: 8 * KIB,
    });
    await writeChunks(stream, 5, KIB);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fs.statSync(file).size, 0, 'five 1 KiB writes are still held');
    await writeChunks(stream, 4, KIB, 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fs.statSync(file).size, 8 * KIB, 'the eighth KiB sent the batch');
    stream.end();
    await finished(stream);
    const bytes = fs.readFileSync(file);
    assert.equal(bytes.length, 9 * KIB);
    for (let i = 0; i < 9; i++) assert.equal(bytes[i * KIB + 100], i, `chunk ${i} in its place`);
  });

  it('does not flush a file smaller than the interval', async () => {
    let flushes = 0;
    const stream = new FlushBehindStream(path.join(dir, 'small'), {
      mode: 0o600,
      highWaterMark: 64 * KIB,
      flushEvery: 1024 * KIB,
      sync: (fd, callback) => {
        flushes++;
        fs.fdatasync(fd, callback);
      },
    });
    await writeChunks(stream, 8, 32 * KIB);
    stream.end();
    await finished(stream);
    assert.equal(flushes, 0);
  });

  it('closes the file only once a flush in flight has ended', async () => {
    let release: (() => void) | undefined;
    let flushEnded = false;
    const stream = new FlushBehindStream(path.join(dir, 'slow-flush'), {
      mode: 0o600,
      highWaterMark: 64 * KIB,
      flushEvery: 64 * KIB,
      sync: (fd, callback) => {
        // Held until the test lets it go: the close must wait for it on the same descriptor.
        release = () =>
          fs.fdatasync(fd, (error) => {
            flushEnded = true;
            callback(error);
          });
      },
    });
    await writeChunks(stream, 4, 32 * KIB);
    stream.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(release, 'a flush started');
    assert.equal(stream.closed, false);
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    release();
    await closed;
    assert.equal(flushEnded, true);
    assert.equal(stream.flushFailure, undefined);
  });

  it('makes the store refuse to commit a file whose background flush failed', async () => {
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const blobs = new FsBlobStore(path.join(dir, 'store'), {
      flushBehind: { flushEvery: 64 * KIB, sync: (_fd, callback) => void setImmediate(() => callback(eio)) },
    });
    const writer = await blobs.create('lost.rdb');
    await writeChunks(writer.stream, 8, 32 * KIB);
    await assert.rejects(writer.commit(), /EIO/);
    assert.equal(await blobs.size('lost.rdb'), undefined, 'never shown under its key');
    await writer.abort();
    assert.deepEqual((await blobs.list()).partial, []);
  });
});
