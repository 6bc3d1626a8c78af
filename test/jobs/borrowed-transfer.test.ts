import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';
import { transferSnapshot } from '../../src/jobs/snapshot-transfer.ts';
import type { BlobStore } from '../../src/core/ports.ts';
import { startFakeMaster, type FakeMaster, type Step } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';

const MARK = 'fedcba9876543210fedcba9876543210fedcba98';

/** An RDB length field (6- or 14-bit form). */
function length(n: number): Buffer {
  return n < 64 ? Buffer.from([n]) : Buffer.from([0x40 | (n >> 8), n & 0xff]);
}

/** Several MiB of string keys with values of varied sizes: enough to cycle the sink's 1 MiB slabs. */
function stringKeysRdb(keys: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < keys; i++) {
    const key = Buffer.from(`key:${i}`);
    const value = noise(200 + ((i * 7919) % 1800), i + 1);
    parts.push(Buffer.from([0]), length(key.length), key, length(value.length), value);
  }
  return makeRdb(Buffer.concat(parts));
}

/** The bytes cut at deterministic places, from a few bytes to well over one socket read. */
function pieces(bytes: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let x = seed;
  for (let at = 0; at < bytes.length;) {
    x = (x * 1103515245 + 12345) >>> 0;
    const size = x % 3 === 0 ? 1 + (x % 61) : 1 + (x % 150_000);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

async function readAll(blobs: BlobStore, key: string): Promise<Buffer> {
  const stream = await blobs.open(key);
  assert.ok(stream, `${key} stored`);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('a backup transfer that reads the socket into one reused buffer', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'borrowed-transfer-'));
  const masters: FakeMaster[] = [];
  let s3: S3Server | undefined;
  after(async () => {
    for (const master of masters) await master.close();
    await s3?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const KEYS = 6_000;
  const rdb = stringKeysRdb(KEYS);

  // A file lets go of its slabs once written (they are filled again); an upload keeps them (new ones each time).
  const cases = [
    { framing: 'length', store: 'file' },
    { framing: 'eof-mark', store: 'file' },
    { framing: 'eof-mark', store: 's3' },
  ] as const;
  for (const { framing, store } of cases) {
    it(`stores exactly the bytes sent, split anywhere (${framing} framing, ${store})`, async () => {
      assert.ok(rdb.length > 5 * 1024 * 1024, `${rdb.length} bytes`);
      // Pauses between some pieces make them separate reads of the same buffer; the rest arrive coalesced.
      const steps: Step[] = [];
      for (const [n, piece] of pieces(rdb, framing === 'length' ? 3 : 5).entries()) {
        steps.push(piece);
        if (n % 7 === 0) steps.push({ pauseMs: 1 });
      }
      const head = framing === 'length' ? `$${rdb.length}\r\n` : `$EOF:${MARK}\r\n`;
      const master = await startFakeMaster({
        afterSync: [
          Buffer.from(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n\n`),
          Buffer.from(head),
          ...steps,
          ...(framing === 'eof-mark' ? [Buffer.from(MARK)] : []),
        ],
      });
      masters.push(master);
      let blobs: BlobStore = new FsBlobStore(dir);
      if (store === 's3') {
        s3 ??= await startS3Server();
        blobs = s3.store('dcs/');
      }
      const key = `backup-${framing}-${store}.rdb`;
      const stored = await transferSnapshot(
        { blobs, inspector: new ReaderInspector(), idleTimeoutMs: 10_000 },
        { host: '127.0.0.1', port: master.port, db: 0, username: null, password: null, tls: false },
        key,
        new AbortController().signal,
        () => undefined,
        { backupId: framing, sizeHint: null },
      );
      assert.equal(stored.summary.problem, null);
      assert.equal(stored.summary.checksum, 'ok');
      assert.equal(stored.stream.framing, framing);
      assert.equal(stored.found.problem, null);
      assert.deepEqual(stored.found.keysPerDb, { 0: KEYS });
      const written = await readAll(blobs, key);
      assert.equal(written.length, rdb.length);
      assert.ok(written.equals(rdb), 'the stored file is the RDB sent');
    });
  }
});
