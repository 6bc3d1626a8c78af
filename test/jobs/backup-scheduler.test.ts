import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, HOUR_MS } from '../../src/core/backup-policy.ts';
import type { BackupRecord } from '../../src/core/backup-record.ts';
import type { MetadataStore } from '../../src/core/ports.ts';
import { setBackupPolicy } from '../../src/core/use-cases/set-backup-policy.ts';
import { createBackup } from '../../src/core/use-cases/create-backup.ts';
import { SecretBox } from '../../src/core/auth/secret-box.ts';
import { BackupScheduler } from '../../src/jobs/backup-scheduler.ts';
import { KyselyMetadataStore } from '../../src/store/kysely-metadata-store.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { createTestDatabase, POSTGRES_SKIP } from '../support/postgres.ts';
import { makeBackup, makeInstance } from '../support/records.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, TEST_SECRETS, type OpenedStore } from '../support/stores.ts';

// Monday 23 November 2026, 00:00 UTC.
const MONDAY = Date.UTC(2026, 10, 23);
const STEP = 10 * 60_000;
const PLAN = { weekdays: [1, 3, 5], periodType: 'weekly' as const, beginHour: 2, timezoneOffset: null };

async function allRecords(store: MetadataStore, instanceId: string): Promise<BackupRecord[]> {
  const page = await store.backups.list({ instanceId, limit: 1000, offset: 0 });
  return page.records.reverse();
}

async function attach(store: MetadataStore, port: number) {
  const instance = makeInstance({
    endpoint: { host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false },
  });
  await store.instances.insert(instance);
  return instance;
}

const autoPolicy = (saveDays = 7) => ({ backupType: 'auto' as const, saveDays, plan: PLAN });

for (const kind of STORE_KINDS) {
  describe(`automatic backups on ${kind.name}`, () => {
    let redis: RedisServer;
    let opened: OpenedStore;
    let clock: ManualClock;
    let harness: BackupHarness;
    let scheduler: BackupScheduler;

    before(async () => {
      redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
      await fillSampleData(redis.port);
      opened = await kind.open();
      clock = new ManualClock(MONDAY);
      harness = await startBackupHarness(opened.store, clock);
      scheduler = new BackupScheduler({ ...harness.deps, onQueued: () => harness.worker.wake() });
    });
    after(async () => {
      await harness.close();
      await opened.dispose();
      await redis.stop();
    });

    /** Moves the clock to `until` in steps, ticking and letting the worker finish at each. */
    async function runUntil(until: number): Promise<void> {
      while (clock.current < until) {
        clock.current = Math.min(until, clock.current + STEP);
        await scheduler.tick();
        await harness.worker.idle();
      }
    }

    it('a week of windows gives exactly one backup per chosen day, inside its window, then expiry on time', async () => {
      const { store } = opened;
      const instance = await attach(store, redis.port);
      const deps = { store, clock, maxSaveDays: 7 };
      await setBackupPolicy(deps, instance.projectId, instance.id, autoPolicy());
      await runUntil(MONDAY + 7 * DAY_MS);

      const records = await allRecords(store, instance.id);
      const windows = [0, 2, 4].map((day) => MONDAY + day * DAY_MS + 2 * HOUR_MS);
      assert.deepEqual(
        records.map((r) => r.executionAt),
        windows,
      );
      for (const record of records) {
        assert.equal(record.type, 'auto');
        assert.equal(record.status, 'succeed', JSON.stringify(record));
        assert.equal(record.period, '02:00-03:00');
        assert.ok(
          record.createdAt >= record.executionAt! && record.createdAt < record.executionAt! + HOUR_MS,
        );
        assert.ok(record.restorable);
      }

      // Monday's backup expires seven days after it was made: not a millisecond before.
      const monday = (await store.backups.findById(records[0]!.id))!;
      const expiresAt = monday.record.createdAt + 7 * DAY_MS;
      assert.equal(monday.detail.expiresAt, expiresAt);
      const file = monday.detail.fileKey!;
      assert.notEqual(await harness.deps.blobs.size(file), undefined);
      clock.current = expiresAt - 1;
      await scheduler.tick();
      assert.equal((await store.backups.findById(monday.record.id))!.record.status, 'succeed');
      assert.notEqual(await harness.deps.blobs.size(file), undefined);
      clock.current = expiresAt;
      const report = await scheduler.tick();
      await harness.worker.idle();
      assert.equal(report.expired, 1);
      const expired = (await store.backups.findById(monday.record.id))!;
      assert.equal(expired.record.status, 'expired');
      assert.equal(expired.record.restorable, false);
      assert.equal(expired.detail.fileKey, null);
      assert.equal(await harness.deps.blobs.size(file), undefined);
      // The record stays listed, and the new Monday window started its own backup at the same tick.
      const after = await allRecords(store, instance.id);
      assert.equal(after.length, 4);
      assert.equal(after[3]!.executionAt, MONDAY + 7 * DAY_MS + 2 * HOUR_MS);
      assert.equal(after[1]!.status, 'succeed');
      await setBackupPolicy(deps, instance.projectId, instance.id, { backupType: 'manual' });
    });

    it('records a window the service slept through as failed, with the reason', async () => {
      const { store } = opened;
      const instance = await attach(store, redis.port);
      clock.current = MONDAY + 7 * DAY_MS;
      await setBackupPolicy({ store, clock, maxSaveDays: 7 }, instance.projectId, instance.id, autoPolicy());
      // Down from Monday 00:00 to Thursday 04:00: Monday's and Wednesday's windows passed unseen.
      clock.current = MONDAY + 10 * DAY_MS + 4 * HOUR_MS;
      const report = await scheduler.tick();
      assert.equal(report.missed, 2);
      assert.equal(report.started, 0);
      const records = await allRecords(store, instance.id);
      assert.deepEqual(
        records.map((r) => [r.status, r.errorCode, r.executionAt, r.createdAt]),
        [7, 9].map((day) => {
          const window = MONDAY + day * DAY_MS + 2 * HOUR_MS;
          return ['failed', 'dcs.08.0002', window, window];
        }),
      );
      const detail = (await store.backups.findById(records[0]!.id))!.detail;
      assert.match(
        detail.errorMessage!,
        /not running during the backup window 02:00-03:00 UTC on 2026-11-30/,
      );
      // A second tick finds nothing more to do.
      assert.deepEqual(await scheduler.tick(), { started: 0, busy: 0, missed: 0, expired: 0 });
      await setBackupPolicy({ store, clock, maxSaveDays: 7 }, instance.projectId, instance.id, {
        backupType: 'manual',
      });
    });

    it('fails the window with dcs.08.0008 when the instance is busy', async () => {
      const { store } = opened;
      const instance = await attach(store, redis.port);
      clock.current = MONDAY + 14 * DAY_MS + HOUR_MS;
      await setBackupPolicy({ store, clock, maxSaveDays: 7 }, instance.projectId, instance.id, autoPolicy());
      await harness.worker.stop();
      try {
        const manual = await createBackup(
          { store, clock },
          {
            projectId: instance.projectId,
            instanceId: instance.id,
            remark: null,
            format: 'rdb',
          },
        );
        clock.current = MONDAY + 14 * DAY_MS + 2 * HOUR_MS + 60_000;
        const report = await scheduler.tick();
        assert.equal(report.busy, 1);
        const records = await allRecords(store, instance.id);
        const auto = records.find((r) => r.type === 'auto')!;
        assert.equal(auto.status, 'failed');
        assert.equal(auto.errorCode, 'dcs.08.0008');
        assert.equal(auto.executionAt, MONDAY + 14 * DAY_MS + 2 * HOUR_MS);
        assert.equal(records.find((r) => r.id === manual.id)!.status, 'waiting');
        const detail = (await store.backups.findById(auto.id))!.detail;
        assert.match(detail.errorMessage!, /running a backup or restore/);
        // Later ticks inside the window do not try again.
        clock.current += 20 * 60_000;
        assert.equal((await scheduler.tick()).busy, 0);
        assert.equal((await allRecords(store, instance.id)).length, 2);
        await setBackupPolicy({ store, clock, maxSaveDays: 7 }, instance.projectId, instance.id, {
          backupType: 'manual',
        });
      } finally {
        harness.worker.start();
        await harness.worker.idle();
      }
    });

    it('a policy switched to manual starts nothing', async () => {
      const { store } = opened;
      const instance = await attach(store, redis.port);
      clock.current = MONDAY + 21 * DAY_MS;
      const deps = { store, clock, maxSaveDays: 7 };
      await setBackupPolicy(deps, instance.projectId, instance.id, autoPolicy());
      await setBackupPolicy(deps, instance.projectId, instance.id, { backupType: 'manual' });
      await runUntil(MONDAY + 22 * DAY_MS);
      assert.equal((await allRecords(store, instance.id)).length, 0);
    });
  });
}

describe('two schedulers sharing one PostgreSQL database', { skip: POSTGRES_SKIP }, () => {
  let url: string;
  let drop: () => Promise<void>;
  const stores: MetadataStore[] = [];

  before(async () => {
    const database = await createTestDatabase();
    url = database.url;
    drop = database.drop;
    // Two stores on separate pools, as two service processes would have; the second shares the master key.
    for (let i = 0; i < 2; i++)
      stores.push(await KyselyMetadataStore.open({ kind: 'postgres', url }, TEST_SECRETS));
  });
  after(async () => {
    for (const store of stores) await store.close();
    await drop();
  });

  it('produce one record per instance and window, never two', async () => {
    const clock = new ManualClock(MONDAY);
    const [first, second] = stores as [MetadataStore, MetadataStore];
    const instances = [];
    for (let i = 0; i < 20; i++) {
      const instance = makeInstance();
      await first.instances.insert(instance);
      await setBackupPolicy(
        { store: first, clock, maxSaveDays: 7 },
        instance.projectId,
        instance.id,
        autoPolicy(),
      );
      instances.push(instance);
    }
    const blobs = { remove: async () => undefined } as never;
    const schedulers = [first, second].map((store) => new BackupScheduler({ store, blobs, clock }));
    // Ticks race each other through a week; without a worker, later windows meet the first one's queued job.
    for (let t = MONDAY; t <= MONDAY + 7 * DAY_MS + 3 * HOUR_MS; t += 15 * 60_000) {
      clock.current = t;
      await Promise.all(schedulers.flatMap((s) => [s.tick(), s.tick()]));
    }
    for (const instance of instances) {
      const records = await allRecords(second, instance.id);
      const windows = records.map((r) => r.executionAt);
      assert.deepEqual(
        windows,
        [0, 2, 4, 7].map((day) => MONDAY + day * DAY_MS + 2 * HOUR_MS),
      );
      assert.equal(records.filter((r) => r.status === 'waiting').length, 1);
    }
  });
});

describe("the scheduler's cost follows what is due, not how many policies exist", () => {
  it('asks SQLite through the due-window index', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-plan-'));
    const store = await KyselyMetadataStore.open(
      { kind: 'sqlite', file: path.join(dir, 'm.sqlite') },
      new SecretBox(Buffer.alloc(32)),
    );
    try {
      const db = store as unknown as { [key: string]: unknown };
      void db;
      const { default: Database } = await import('better-sqlite3');
      const raw = new Database(path.join(dir, 'm.sqlite'), { readonly: true });
      const plan = raw
        .prepare(
          'EXPLAIN QUERY PLAN SELECT * FROM backup_policies WHERE next_window_at IS NOT NULL AND next_window_at <= ? ORDER BY next_window_at LIMIT 200',
        )
        .all(MONDAY) as { detail: string }[];
      const expiring = raw
        .prepare(
          "EXPLAIN QUERY PLAN SELECT id, file_key FROM backups WHERE expires_at IS NOT NULL AND expires_at <= ? AND status = 'succeed' ORDER BY expires_at LIMIT 200",
        )
        .all(MONDAY) as { detail: string }[];
      raw.close();
      assert.match(plan.map((p) => p.detail).join('\n'), /USING INDEX backup_policies_due/);
      assert.match(expiring.map((p) => p.detail).join('\n'), /USING INDEX backups_expiring/);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a tick that queues or expires many backups leaves the event loop its turns', () => {
  // SQLite answers synchronously, so without a yield a whole tick runs as one chain of microtasks: HTTP
  // requests and running backups then wait for all of it (seconds, with a thousand instances due).
  it('an immediate scheduled before a tick runs before its last backup is queued, or expired', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-turns-'));
    const store = await KyselyMetadataStore.open(
      { kind: 'sqlite', file: path.join(dir, 'm.sqlite') },
      new SecretBox(Buffer.alloc(32)),
    );
    try {
      const clock = new ManualClock(MONDAY);
      const expiring = new Map<string, number>();
      for (let i = 0; i < 5; i++) {
        const instance = makeInstance();
        await store.instances.insert(instance);
        await setBackupPolicy(
          { store, clock, maxSaveDays: 7 },
          instance.projectId,
          instance.id,
          autoPolicy(),
        );
        const old = makeBackup(instance.id, MONDAY - 10 * DAY_MS);
        await store.backups.insertMany([old]);
        expiring.set(old.id, MONDAY + 3 * HOUR_MS);
      }
      await store.backups.setExpiries(expiring);
      // Whether an immediate scheduled just before the tick had run when each event was reported.
      let immediateRan = false;
      const seen: Record<string, boolean[]> = { started: [], expired: [] };
      const scheduler = new BackupScheduler({
        store,
        // Removing a file resolves at once, as SQLite does: only the scheduler's own yield gives a turn.
        blobs: { remove: async () => undefined } as never,
        clock,
        onEvent: (event) => seen[event.kind]?.push(immediateRan),
      });
      const tickAt = async (at: number) => {
        clock.current = at;
        immediateRan = false;
        setImmediate(() => (immediateRan = true));
        return scheduler.tick();
      };

      // Inside the window, before the old backups expire: five backups queued.
      assert.equal((await tickAt(MONDAY + 2 * HOUR_MS + 60_000)).started, 5);
      assert.equal(seen.started!.length, 5);
      assert.equal(seen.started!.at(-1), true, 'five backups queued without one turn of the event loop');
      // After the expiry: five backups expired, nothing queued.
      const expiry = await tickAt(MONDAY + 4 * HOUR_MS);
      assert.deepEqual([expiry.started, expiry.expired], [0, 5]);
      assert.equal(seen.expired!.length, 5);
      assert.equal(seen.expired!.at(-1), true, 'five backups expired without one turn of the event loop');
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
