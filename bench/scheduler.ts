/**
 * The scheduler's tick when nothing is due, with 10,000 instances holding automatic-backup policies, against
 * the same tick on a database with no policy at all (the baseline, measured in the same run). Both hold the
 * same backup records, so the difference is what the policies cost.
 *
 * Then the tick that finds 1,000 instances due in the same window: it records and queues every backup, timed
 * against queueing the same number of manual backups (record and job, one transaction each) on the same
 * engine, so the ratio is what the scheduler adds to the unavoidable writes. The backups themselves are not
 * run here (bench:backup measures a transfer).
 *
 *   npm run bench:scheduler [-- --engine sqlite|postgres] [--policies 10000] [--ticks 300] [--due 1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SecretBox } from '../src/core/auth/secret-box.ts';
import { DAY_MS } from '../src/core/backup-policy.ts';
import { BackupScheduler } from '../src/jobs/backup-scheduler.ts';
import { KyselyMetadataStore } from '../src/store/kysely-metadata-store.ts';
import type { DatabaseLocation } from '../src/store/open-database.ts';
import { setBackupPolicy } from '../src/core/use-cases/set-backup-policy.ts';
import { createTestDatabase } from '../test/support/postgres.ts';
import { makeBackup, makeInstance } from '../test/support/records.ts';
import { queuedJob } from '../src/core/job.ts';
import type { Instance } from '../src/core/instance.ts';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    policies: { type: 'string', default: '10000' },
    ticks: { type: 'string', default: '300' },
    due: { type: 'string', default: '1000' },
  },
});
const DUE = Number(values.due);
const POLICIES = Number(values.policies);
const TICKS = Number(values.ticks);
// Monday 23 November 2026, 03:00 UTC: every window (02:00-03:00 on Mondays) has just closed.
const NOW = Date.UTC(2026, 10, 23, 3);

interface OpenedStore {
  store: KyselyMetadataStore;
  /** Refreshes the planner's statistics after the bulk load, as autovacuum would in a running database. */
  analyze(): Promise<void>;
  dispose(): Promise<void>;
}

async function openStore(): Promise<OpenedStore> {
  const secrets = new SecretBox(Buffer.alloc(32, 7));
  if (values.engine === 'postgres') {
    const database = await createTestDatabase();
    const store = await KyselyMetadataStore.open({ kind: 'postgres', url: database.url }, secrets);
    const analyze = async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('ANALYZE');
      await client.end();
    };
    return { store, analyze, dispose: async () => (await store.close(), await database.drop()) };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-scheduler-'));
  const location: DatabaseLocation = { kind: 'sqlite', file: path.join(dir, 'metadata.sqlite') };
  const store = await KyselyMetadataStore.open(location, secrets);
  return {
    store,
    analyze: async () => undefined,
    dispose: async () => (await store.close(), fs.rmSync(dir, { recursive: true, force: true })),
  };
}

async function fill(
  store: KyselyMetadataStore,
  withPolicies: boolean,
  count = POLICIES,
  policySetAt = NOW,
): Promise<Instance[]> {
  const clock = { now: () => policySetAt };
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const instance = makeInstance();
    instances.push(instance);
    await store.instances.insert(instance);
    // A week of successful automatic backups per instance, none yet expiring.
    await store.backups.insertMany(
      [1, 2, 3].map((d) =>
        makeBackup(instance.id, NOW - d * DAY_MS, { type: 'auto', period: '02:00-03:00' }),
      ),
    );
    if (withPolicies) {
      await setBackupPolicy({ store, clock, maxSaveDays: 7 }, instance.projectId, instance.id, {
        backupType: 'auto',
        saveDays: 7,
        plan: { weekdays: [1], periodType: 'weekly', beginHour: 2, timezoneOffset: null },
      });
    }
  }
  return instances;
}

async function medianTickMs(store: KyselyMetadataStore): Promise<number> {
  const scheduler = new BackupScheduler({
    store,
    blobs: { remove: async () => undefined } as never,
    clock: { now: () => NOW },
  });
  // One tick to warm the statement cache; the policies were set after their window closed, so nothing is due.
  await scheduler.tick();
  const times: number[] = [];
  for (let i = 0; i < TICKS; i++) {
    const started = performance.now();
    const report = await scheduler.tick();
    times.push(performance.now() - started);
    if (report.started + report.missed + report.busy + report.expired !== 0)
      throw new Error('something was due');
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const results: Record<string, number> = {};
for (const [label, withPolicies] of [
  ['baseline (no policies)', false],
  [`${POLICIES} policies`, true],
] as const) {
  const { store, analyze, dispose } = await openStore();
  await fill(store, withPolicies);
  await analyze();
  results[label] = await medianTickMs(store);
  console.log(`${values.engine}, ${label}: median tick ${results[label]!.toFixed(3)} ms over ${TICKS} ticks`);
  await dispose();
}
const [base, loaded] = Object.values(results) as [number, number];
console.log(`ratio (policies / baseline): ${(loaded / base).toFixed(2)}`);

/** The policies were set at 01:00, before the window; at 02:30 every one of them is due. */
async function allDueTickMs(): Promise<number> {
  const { store, analyze, dispose } = await openStore();
  try {
    await fill(store, true, DUE, NOW - 2 * 3_600_000);
    await analyze();
    const inWindow = NOW - 1_800_000;
    const scheduler = new BackupScheduler({
      store,
      blobs: { remove: async () => undefined } as never,
      clock: { now: () => inWindow },
    });
    const started = performance.now();
    const report = await scheduler.tick();
    const ms = performance.now() - started;
    if (report.started !== DUE) throw new Error(`${report.started} of ${DUE} backups started`);
    return ms;
  } finally {
    await dispose();
  }
}

/** The same number of backups queued as CreateBackup queues one: a waiting record and its job. */
async function queueManuallyMs(): Promise<number> {
  const { store, analyze, dispose } = await openStore();
  try {
    const instances = await fill(store, false, DUE);
    await analyze();
    const at = NOW - 1_800_000;
    const started = performance.now();
    for (const instance of instances) {
      const record = makeBackup(instance.id, at, { status: 'waiting', restorable: false });
      await store.backups.insertQueued(record, queuedJob('backup', instance.id, record.id, at));
    }
    return performance.now() - started;
  } finally {
    await dispose();
  }
}

if (DUE > 0) {
  const baseline = await queueManuallyMs();
  const tick = await allDueTickMs();
  console.log(
    `${values.engine}, ${DUE} instances due in one window: one tick queued them in ${tick.toFixed(0)} ms ` +
      `(${((DUE / tick) * 60_000).toFixed(0)} backups/minute queued) | baseline, ${DUE} manual backups queued: ` +
      `${baseline.toFixed(0)} ms | ratio (tick / baseline): ${(tick / baseline).toFixed(2)}`,
  );
}
