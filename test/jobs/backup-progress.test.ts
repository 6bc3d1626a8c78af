import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import type { BackupChange } from '../../src/core/backup-detail.ts';
import type { BackupStatus } from '../../src/core/backup-record.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { MetadataStore } from '../../src/core/ports.ts';
import { newId } from '../../src/core/ids.ts';
import { RespRedisProbe } from '../../src/engine/redis-probe.ts';
import { runBackupJob } from '../../src/jobs/run-backup.ts';
import { redisCli } from '../support/redis-data.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';

/** Every reading moves time on by a second, so each chunk may write progress without waiting on the wall clock. */
class TickingClock implements Clock {
  #now = Date.UTC(2024, 9, 1);
  now(): number {
    this.#now += 1000;
    return this.#now;
  }
}

describe('backup progress', () => {
  let redis: RedisServer;
  let opened: OpenedStore;
  let blobs: FsBlobStore;

  before(async () => {
    redis = await startRedisServer([
      '--repl-diskless-sync-delay',
      '0',
      '--rdbcompression',
      'no',
      '--enable-debug-command',
      'yes',
    ]);
    await redisCli(redis.port, ['DEBUG', 'POPULATE', '30000', 'key', '1000']);
    opened = await STORE_KINDS[0]!.open();
    blobs = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-progress-')));
  });

  after(async () => {
    await opened.dispose();
    await redis.stop();
    fs.rmSync(blobs.dir, { recursive: true, force: true });
  });

  it('rises with the bytes received against the previous size, never above 99.99 before the end', async () => {
    const instance = makeInstance({
      endpoint: { host: '127.0.0.1', port: redis.port, db: 0, username: null, password: null, tls: false },
    });
    await opened.store.instances.insert(instance);
    const changes: BackupChange[] = [];
    const store: MetadataStore = {
      close: () => opened.store.close(),
      instances: opened.store.instances,
      jobs: opened.store.jobs,
      credentials: opened.store.credentials,
      policies: opened.store.policies,
      restores: opened.store.restores,
      seenSignatures: opened.store.seenSignatures,
      nodes: opened.store.nodes,
      migrationTasks: opened.store.migrationTasks,
      // The real repository, with its status-keeping writes recorded on the way through.
      backups: new Proxy(opened.store.backups, {
        get(target, key) {
          if (key === 'transition') {
            return (id: string, from: BackupStatus[], to: BackupStatus, change: BackupChange = {}) => {
              changes.push(change);
              return target.transition(id, from, to, change);
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
    };
    const deps = {
      store,
      blobs,
      probe: new RespRedisProbe(),
      clock: new TickingClock(),
      idleTimeoutMs: 10_000,
      inspector: new ReaderInspector(),
    };

    const runOnce = async () => {
      changes.length = 0;
      const record = makeBackup(instance.id, Date.now(), {
        status: 'waiting',
        sizeBytes: 0,
        progressHundredths: 0,
        updatedAt: null,
      });
      const job = {
        id: newId(),
        kind: 'backup' as const,
        instanceId: instance.id,
        backupId: record.id,
        state: 'queued' as const,
        owner: null,
        leaseUntil: null,
        createdAt: 0,
        finishedAt: null,
      };
      await opened.store.backups.insertQueued(record, job);
      await runBackupJob(deps, job, new AbortController().signal);
      await opened.store.jobs.finish(job.id, 0);
      return (await opened.store.backups.findById(record.id))!;
    };

    const first = await runOnce();
    assert.equal(first.record.status, 'succeed');
    const second = await runOnce();
    assert.equal(second.record.status, 'succeed');
    assert.equal(changes[0]?.estimatedBytes, first.record.sizeBytes, 'the previous backup is the estimate');
    const progress = changes
      .filter((c) => c.progressHundredths !== undefined)
      .map((c) => c.progressHundredths!);
    assert.equal(progress.at(-1), 10_000);
    const during = progress.slice(0, -1);
    assert.ok(during.length >= 3, `expected several progress writes, got ${during.length}`);
    assert.ok(
      during.some((p) => p > 0 && p < 9_999),
      'some progress between the ends',
    );
    assert.ok(
      during.every((p) => p <= 9_999),
      'never 100.00 before the file is verified',
    );
    assert.deepEqual(
      during,
      [...during].sort((a, b) => a - b),
      'never goes back',
    );
  });
});
