import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PARTS, MIN_PART_BYTES, partSize } from '../../src/blobs/part-size.ts';
import { createS3Writer, type UploadTarget } from '../../src/blobs/s3-upload.ts';
import { writeAll } from '../blobs/blob-store-contract.ts';

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
      parts.set(n, Buffer.from(body));
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
