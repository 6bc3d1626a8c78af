import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MAX_PARTS, MIN_PART_BYTES, partSize } from '../../src/blobs/part-size.ts';
import type { PartBody } from '../../src/blobs/part-spool.ts';
import { createS3Writer, type UploadTarget } from '../../src/blobs/s3-upload.ts';
import { writeAll } from '../blobs/blob-store-contract.ts';

/** What a part holds: the buffer, or the file it was spooled to, read as the SDK would read it. */
const bytesOf = (body: PartBody) => (Buffer.isBuffer(body) ? Buffer.from(body) : fs.readFileSync(body.path));

/** An upload target that keeps parts in memory and refuses the calls it is told to, once each. */
function memoryTarget(refuseOnce: Set<number>) {
  const calls: string[] = [];
  const parts = new Map<number, Buffer>();
  let object: Buffer | undefined;
  const target: UploadTarget = {
    createUpload: async () => (calls.push('create'), 'u1'),
    uploadPart: async (_id, n, body) => {
      calls.push(`part ${n}`);
      if (refuseOnce.delete(n)) throw new Error(`part ${n} refused`);
      parts.set(n, bytesOf(body));
      return `etag-${n}`;
    },
    complete: async (_id, list) => {
      calls.push(`complete ${list.map((p) => p.PartNumber).join(',')}`);
      object = Buffer.concat(list.map((p) => parts.get(p.PartNumber)!));
    },
    abortUpload: async () => void calls.push('abort'),
    removeObject: async () => void calls.push('remove'),
    putWhole: async (body) => {
      calls.push('put');
      object = Buffer.from(body);
    },
    setMetadata: async () => (calls.push('metadata'), true),
    markStarted: async (id) => void calls.push(`mark ${id}`),
    markEnded: async () => void calls.push('unmark'),
  };
  return { target, calls, object: () => object };
}

describe('the S3 multipart writer', () => {
  it('sends a refused part again and completes the upload with every byte in order', async () => {
    const memory = memoryTarget(new Set([2]));
    const writer = await createS3Writer(memory.target, 1);
    const bytes = Buffer.alloc(MIN_PART_BYTES * 2 + 1000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
    await writeAll(writer, bytes);
    await writer.commit({ sha256: 'x' });
    assert.ok(memory.object()!.equals(bytes));
    assert.equal(memory.calls.filter((c) => c === 'part 2').length, 2);
    assert.deepEqual(memory.calls.slice(-3), ['complete 1,2,3', 'metadata', 'unmark']);
  });

  it('fails the commit when a part is refused every time, and abort drops the upload', async () => {
    const memory = memoryTarget(new Set([1]));
    memory.target.uploadPart = async () => {
      throw new Error('refused for good');
    };
    const writer = await createS3Writer(memory.target, 1);
    await assert.rejects(async () => {
      await writeAll(writer, Buffer.alloc(MIN_PART_BYTES * 3));
      await writer.commit();
    }, /refused for good/);
    await writer.abort();
    assert.ok(memory.calls.includes('abort'));
    assert.ok(!memory.calls.some((c) => c.startsWith('complete')));
    assert.equal(memory.object(), undefined);
  });

  it('sends a blob smaller than one part whole, with no multipart upload', async () => {
    const memory = memoryTarget(new Set());
    const writer = await createS3Writer(memory.target, null);
    writer.stream.write('small');
    await writer.commit();
    assert.deepEqual(memory.calls, ['mark null', 'put', 'unmark']);
    assert.equal(memory.object()!.toString(), 'small');
  });
});

describe('the part size', () => {
  const capacity = (estimate: number | null) => {
    let total = 0;
    for (let n = 1; n <= MAX_PARTS; n++) total += partSize(estimate, n);
    return total;
  };

  it('is at least 5 MiB, whole MiB, and lets twice the estimate fit in 10,000 parts up to 10 TB', () => {
    for (const estimate of [null, 0, 1, 1e9, 1e11, 1e12, 1e13]) {
      const size = partSize(estimate, 1);
      assert.ok(size >= MIN_PART_BYTES && size % (1024 * 1024) === 0, String(estimate));
      assert.ok(capacity(estimate) >= 2 * (estimate ?? 0), String(estimate));
    }
    assert.ok(partSize(1e13, 1) < 1.5e9);
  });
});

describe('the S3 multipart writer with parts over the memory bound', () => {
  const patterned = (length: number) => {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = (i * 7) % 253;
    return bytes;
  };
  const withSpoolDir = async (work: (dir: string) => Promise<void>) => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-spool-'));
    try {
      await work(path.join(parent, 's3-spool'));
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  };

  it('uploads every part from a private file, bytes intact, and removes the files on commit', async () => {
    await withSpoolDir(async (dir) => {
      const memory = memoryTarget(new Set([2]));
      const seen: { path: string; mode: number; size: number }[] = [];
      const upload = memory.target.uploadPart;
      memory.target.uploadPart = async (id, n, body) => {
        assert.ok(!Buffer.isBuffer(body), `part ${n} was held in memory`);
        seen.push({ path: body.path, mode: fs.statSync(body.path).mode & 0o777, size: body.size });
        return upload(id, n, body);
      };
      const spooled: number[] = [];
      const writer = await createS3Writer(memory.target, 1, {
        dir,
        maxMemoryPartBytes: 1024 * 1024,
        onSpool: (partBytes) => spooled.push(partBytes),
      });
      const bytes = patterned(MIN_PART_BYTES * 2 + 12_345);
      await writeAll(writer, bytes);
      await writer.commit({ sha256: 'x' });
      assert.ok(memory.object()!.equals(bytes));
      // Part 2 was refused once and sent again from its file.
      assert.deepEqual(
        seen.map((part) => part.size),
        [MIN_PART_BYTES, MIN_PART_BYTES, MIN_PART_BYTES, 12_345],
      );
      for (const part of seen) {
        assert.equal(path.dirname(part.path), dir);
        assert.equal(part.mode, 0o600);
      }
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.deepEqual(spooled, [MIN_PART_BYTES]);
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });

  it('sends a spooled blob smaller than one part as a one-part upload, and removes its file', async () => {
    await withSpoolDir(async (dir) => {
      const memory = memoryTarget(new Set());
      const writer = await createS3Writer(memory.target, 1, { dir, maxMemoryPartBytes: 1024 });
      writer.stream.write('small but spooled');
      await writer.commit();
      assert.equal(memory.object()!.toString(), 'small but spooled');
      assert.ok(memory.calls.includes('complete 1'));
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  });

  it('removes every part file on abort, the one filling and those still being sent', async () => {
    await withSpoolDir(async (dir) => {
      const memory = memoryTarget(new Set());
      // Parts are never answered: they stay in flight, their files open, until the abort.
      memory.target.uploadPart = () => new Promise(() => undefined);
      const writer = await createS3Writer(memory.target, 1, { dir, maxMemoryPartBytes: 1024 * 1024 });
      // Two parts go up and the third is filling when the writer has to wait for room.
      writer.stream.write(patterned(MIN_PART_BYTES));
      writer.stream.write(patterned(MIN_PART_BYTES));
      writer.stream.write(patterned(1000));
      for (let attempt = 0; attempt < 500 && fs.readdirSync(dir).length < 3; attempt++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(fs.readdirSync(dir).length, 3);
      await writer.abort();
      assert.deepEqual(fs.readdirSync(dir), []);
      assert.ok(memory.calls.includes('abort'));
    });
  });

  it('keeps parts within the bound in memory', async () => {
    await withSpoolDir(async (dir) => {
      const memory = memoryTarget(new Set());
      let inMemory = 0;
      const upload = memory.target.uploadPart;
      memory.target.uploadPart = async (id, n, body) => {
        if (Buffer.isBuffer(body)) inMemory++;
        return upload(id, n, body);
      };
      const writer = await createS3Writer(memory.target, 1, { dir, maxMemoryPartBytes: MIN_PART_BYTES });
      await writeAll(writer, patterned(MIN_PART_BYTES + 10));
      await writer.commit();
      assert.equal(inMemory, 2);
      assert.equal(fs.existsSync(dir), false);
    });
  });
});
