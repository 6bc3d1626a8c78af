import { RespRedisProbe } from '../../src/engine/redis-probe.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.ts';
import { DomainError } from '../../src/core/errors.ts';
import { createRestore } from '../../src/core/use-cases/create-restore.ts';
import { verifyBackup } from '../../src/core/use-cases/verify-backup.ts';
import { ReaderInspector } from '../../src/engine/rdb/reader-inspector.ts';
import { runRestoreJob } from '../../src/jobs/run-restore.ts';
import { ManualClock } from '../support/app.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2026, 11, 2, 12);
const ELSEWHERE = 'fs:00000000-0000-4000-8000-000000000001';

for (const kind of STORE_KINDS) {
  describe(`a backup file on another node's disk, on ${kind.name}`, () => {
    let opened: OpenedStore;
    let blobs: FsBlobStore;
    const clock = new ManualClock(NOW);

    before(async () => {
      opened = await kind.open();
      blobs = new FsBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-elsewhere-')));
    });
    after(async () => {
      await opened.dispose();
      fs.rmSync(blobs.dir, { recursive: true, force: true });
    });

    /** A stored backup whose file is in the other store, and an instance to restore it into. */
    async function backupElsewhere() {
      const { store } = opened;
      const source = makeInstance({ projectId: 'p1' });
      const target = makeInstance({ projectId: 'p1' });
      await store.instances.insert(source);
      await store.instances.insert(target);
      const backup = makeBackup(source.id, NOW);
      await store.backups.insert(backup);
      await store.backups.update(backup.id, { fileKey: `${backup.id}.rdb`, storeId: ELSEWHERE });
      return { source, target, backup };
    }

    it('says so, naming no node, when no registered node uses that store; the record stays as it was', async () => {
      const { source, backup } = await backupElsewhere();
      const deps = { store: opened.store, blobs, clock, inspector: new ReaderInspector() };
      await assert.rejects(verifyBackup(deps, 'p1', source.id, backup.id), (error: DomainError) => {
        assert.equal(error.code, 'file_on_other_node');
        assert.match(error.message, new RegExp(`blob store ${ELSEWHERE}, which no registered node uses`));
        return true;
      });
      const after = (await opened.store.backups.findById(backup.id))!;
      assert.equal(after.record.restorable, true, 'not marked missing');
      assert.equal(after.detail.fileKey, `${backup.id}.rdb`);
    });

    it('refuses a restore here naming the node, and a restore job another process got fails naming it', async () => {
      const { store } = opened;
      await store.nodes.register({
        id: 'holder',
        hostName: 'holder-host',
        pid: 4242,
        url: 'http://holder.example:8080',
        storeId: ELSEWHERE,
        version: '0.1.0',
        startedAt: NOW,
        heartbeatAt: NOW,
        heartbeatMs: 10_000,
        stoppedAt: null,
      });
      const { target, backup } = await backupElsewhere();
      const request = { projectId: 'p1', instanceId: target.id, backupId: backup.id, remark: null };
      await assert.rejects(createRestore({ store, clock, blobs }, request), (error: DomainError) => {
        assert.equal(error.code, 'file_on_other_node');
        assert.match(error.message, /node holder-host \(pid 4242, http:\/\/holder\.example:8080\)/);
        return true;
      });

      // Queued elsewhere (a process over the holder's store asked for it), then taken by a process that does
      // not bind its claims to a store: the job must not call the file gone.
      const restore = await createRestore({ store, clock }, request);
      const job = (await store.jobs.claim('not-the-holder', NOW + 30_000))!;
      assert.equal(job.storeId, ELSEWHERE);
      clock.current = NOW + 40_000; // the holder has missed its heartbeats meanwhile
      await runRestoreJob(
        { store, blobs, clock, probe: new RespRedisProbe(), timeoutMs: 1_000 },
        job,
        new AbortController().signal,
      );
      const ended = (await store.restores.findById(restore.record.id))!;
      assert.equal(ended.record.status, 'failed');
      assert.equal(ended.record.errorCode, 'dcs.08.0001');
      assert.match(
        ended.detail.errorMessage ?? '',
        /cannot restore on this node: .*holder-host \(pid 4242, http:\/\/holder\.example:8080\), not answering now/,
      );
      await store.jobs.finish(job.id, NOW + 40_000);
    });
  });
}
