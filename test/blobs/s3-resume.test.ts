/**
 * A read of an object survives a dropped connection: a proxy in front of s3rver cuts chosen GET answers
 * part-way, and the store's stream goes on from the first byte it had not passed on, with a ranged GET pinned
 * to the object's ETag, and gives up after a run of cuts that brought nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { S3BlobStore } from '../../src/blobs/s3-blob-store.ts';
import { RESUME_ATTEMPTS } from '../../src/blobs/resuming-read.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';

interface CuttingProxy {
  endpoint: string;
  /** The Range header of every object GET that came through (undefined: none). */
  gets: (string | undefined)[];
  /** Answers of object GETs still to be cut after this many body bytes. */
  cutAfter: number[];
  close(): Promise<void>;
}

async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const proxy: CuttingProxy = { endpoint: '', gets: [], cutAfter: [], close: async () => {} };
  const server = http.createServer((request, response) => {
    const isObjectGet = request.method === 'GET' && request.url!.split('?')[0]!.endsWith('.rdb');
    if (isObjectGet) proxy.gets.push(request.headers.range);
    const cut = isObjectGet ? proxy.cutAfter.shift() : undefined;
    const upstream = http.request(
      { host: hostname, port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        // One answer per connection: a cut never leaves the client a dead socket to reuse.
        response.writeHead(answer.statusCode!, { ...answer.headers, connection: 'close' });
        response.flushHeaders();
        if (cut === undefined) return void answer.pipe(response);
        if (cut === 0) return void setImmediate(() => response.socket?.destroy());
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= cut) return;
          const part = chunk.subarray(0, cut - sent);
          sent += part.length;
          // The connection drops mid-body, as a network fault would, once what came before is on the wire.
          response.write(part, () => {
            if (sent >= cut) response.socket?.destroy();
          });
        });
      },
    );
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Where each resumed GET began, from Range headers "bytes=START-LAST" with the given last byte. */
function resumedStarts(gets: (string | undefined)[], last: number): number[] {
  return gets.slice(1).map((range) => {
    const match = new RegExp(`^bytes=(\\d+)-${last}$`).exec(range ?? '');
    assert.ok(match, `a resumed GET asks for the rest of the range: ${range}`);
    return Number(match[1]);
  });
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('reading an S3 object over connections that drop', () => {
  let server: S3Server;
  let proxy: CuttingProxy;
  let store: S3BlobStore;
  const data = randomBytes(3 * 1024 * 1024 + 123);

  before(async () => {
    server = await startS3Server();
    const writer = await server.store().create('resume.rdb');
    writer.stream.end(data);
    await writer.commit();
    proxy = await startCuttingProxy(server.endpoint);
    store = new S3BlobStore({ ...server.settings(), endpoint: proxy.endpoint, maxAttempts: 1 });
  });

  after(async () => {
    await proxy.close();
    await server.dispose();
  });

  it('goes on from the byte it reached, twice in one read, with every byte intact', async () => {
    proxy.gets.length = 0;
    proxy.cutAfter.push(1_000_000, 700_000);
    const read = await readAll((await store.open('resume.rdb'))!);
    assert.equal(sha(read), sha(data));
    // Each resumed GET starts where the bytes passed on ended (what was in flight when the cut came is asked
    // again), after the cut's point in the previous answer at the most.
    const starts = resumedStarts(proxy.gets, 3_145_850);
    assert.equal(proxy.gets[0], undefined);
    assert.equal(starts.length, 2);
    assert.ok(starts[0]! > 0 && starts[0]! <= 1_000_000, `first resume at ${starts[0]}`);
    assert.ok(starts[1]! > starts[0]! && starts[1]! <= starts[0]! + 700_000, `second resume at ${starts[1]}`);
  });

  it('resumes a ranged read inside its range', async () => {
    proxy.gets.length = 0;
    proxy.cutAfter.push(10_000);
    const read = await readAll((await store.open('resume.rdb', { start: 500_000, end: 600_000 }))!);
    assert.ok(read.equals(data.subarray(500_000, 600_000)));
    assert.equal(proxy.gets[0], 'bytes=500000-599999');
    const starts = resumedStarts(proxy.gets, 599_999);
    assert.equal(starts.length, 1);
    assert.ok(starts[0]! >= 500_000 && starts[0]! <= 510_000, `resumed at ${starts[0]}`);
  });

  it('gives up, saying where, after cuts in a row that bring nothing', async () => {
    proxy.gets.length = 0;
    proxy.cutAfter.push(...Array.from({ length: RESUME_ATTEMPTS + 1 }, (_, i) => (i === 0 ? 1000 : 0)));
    await assert.rejects(
      readAll((await store.open('resume.rdb'))!),
      /the object store cut the read at byte \d+ of 3145851 4 times in a row/,
    );
    assert.equal(proxy.gets.length, RESUME_ATTEMPTS + 1);
    proxy.cutAfter.length = 0;
  });
});
