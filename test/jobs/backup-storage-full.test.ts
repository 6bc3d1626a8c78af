import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import type { BlobStore } from '../../src/core/ports.ts';
import { createBackup } from '../../src/core/use-cases/create-backup.ts';
import { RespRedisProbe } from '../../src/engine/redis-probe.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';
import { jobRunner } from '../../src/jobs/run-job.ts';
import { ManualClock } from '../support/app.ts';
import { makeInstance } from '../support/records.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/**
 * The file system store on a disk that has filled up: every write of a backup file fails, later, with ENOSPC,
 * as the kernel reports it.
 */
function fullDisk(inner: FsBlobStore): BlobStore {
  return {
    id: inner.id,
    open: (key, range) => inner.open(key, range),
    size: (key) => inner.size(key),
    remove: (key) => inner.remove(key),
    removePartial: (key) => inner.removePartial(key),
    list: () => inner.list(),
    async create(key) {
      const writer = await inner.create(key);
      const stream = writer.stream as Writable & {
        _writev?: (chunks: unknown[], done: (error?: Error) => void) => void;
      };
      stream._write = (_chunk, _encoding, done) => setImmediate(() => done(enospc()));
      stream._writev = (_chunks, done) => setImmediate(() => done(enospc()));
      return writer;
    },
  };
}

describe('a backup whose file cannot be written because the disk is full', () => {
  let redis: RedisServer;
  let opened: OpenedStore;
  let dir: string;

  before(async () => {
    redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    await fillSampleData(redis.port);
    opened = await STORE_KINDS[0]!.open();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-enospc-'));
  });

  after(async () => {
    await opened.dispose();
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails its record saying the storage is full (ENOSPC), and leaves no file', async () => {
    const { store } = opened;
    const clock = new ManualClock(Date.UTC(2024, 6, 1));
    const real = new FsBlobStore(dir);
    const blobs = fullDisk(real);
    const instance = makeInstance({
      endpoint: { host: '127.0.0.1', port: redis.port, db: 0, username: null, password: null, tls: false },
    });
    await store.instances.insert(instance);
    const record = await createBackup(
      { store, clock },
      { projectId: instance.projectId, instanceId: instance.id, remark: null, format: 'rdb' },
    );
    const job = await store.jobs.claim('test', clock.now() + 60_000);
    assert.equal(job?.backupId, record.id);
    const run = jobRunner({
      store,
      blobs,
      clock,
      probe: new RespRedisProbe(),
      inspector: new ReaderInspector(),
      idleTimeoutMs: 10_000,
      restoreTimeoutMs: 10_000,
    });
    await run(job, new AbortController().signal);
    const stored = await store.backups.findById(record.id);
    assert.equal(stored?.record.status, 'failed');
    assert.equal(stored?.record.errorCode, 'dcs.08.0001');
    assert.match(
      stored?.detail.errorMessage ?? '',
      /^cannot write the backup file: the storage is full \(ENOSPC\)/,
    );
    assert.deepEqual(await real.list(), { committed: [], partial: [] });
  });
});
