import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { SHUTDOWN_MARGIN_MS } from '../../src/main.ts';
import { attachLocalRedis } from '../support/cli-session.ts';
import { startFakeMaster, type FakeMaster, type Step } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

/** The backup files in the data directory: the store's id file (a dot file) is not one. */
const backupFiles = (dataDir: string) =>
  fs.readdirSync(path.join(dataDir, 'backups')).filter((name) => !name.startsWith('.'));

const GRACE_MS = 1500;

/** A source that trickles its snapshot for about ten seconds: a backup far longer than the grace period. */
function tricklingSnapshot(): Step[] {
  const rdb = makeRdb(noise(100_000));
  const steps: Step[] = [Buffer.from(`$${rdb.length}\r\n`)];
  for (let at = 0; at < rdb.length; at += 1_000) steps.push(rdb.subarray(at, at + 1_000), { pauseMs: 100 });
  return steps;
}

interface Running {
  service: ServiceProcess;
  dataDir: string;
  backupId: string;
}

describe('stopping the service', () => {
  let master: FakeMaster;
  const dirs: string[] = [];
  const services: ServiceProcess[] = [];

  before(async () => {
    master = await startFakeMaster({ afterSync: tricklingSnapshot() });
  });

  afterEach(async () => {
    for (const service of services.splice(0)) await service.kill();
  });

  after(async () => {
    await master.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(graceMs: number): Promise<{ service: ServiceProcess; dataDir: string }> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-shutdown-'));
    dirs.push(dataDir);
    const service = await startServiceProcess(['--data-dir', dataDir], {
      DCS_JOB_POLL_MS: '100',
      DCS_SHUTDOWN_GRACE_MS: String(graceMs),
    });
    services.push(service);
    return { service, dataDir };
  }

  /** A service whose backup of the trickling source is under way. */
  async function backingUp(graceMs: number): Promise<Running> {
    const { service, dataDir } = await start(graceMs);
    const cli = (...args: string[]) =>
      runCli(['--endpoint', service.url, ...args], { DCS_DATA_DIR: dataDir });
    const instanceId = await attachLocalRedis(cli, master.port, 'slow');
    const backupId = (await cli('backup', 'create', instanceId)).stdout.trim();
    for (let i = 0; i < 100; i++) {
      const shown = JSON.parse((await cli('backup', 'show', instanceId, backupId, '--json')).stdout) as {
        status: string;
        bytes_received: number;
      };
      if (shown.status === 'backuping' && shown.bytes_received > 0) return { service, dataDir, backupId };
      await sleep(100);
    }
    assert.fail('the backup never started receiving');
  }

  it('on SIGTERM lets a backup run for the grace period, then fails it as cancelled and releases its lease', async () => {
    const { service, dataDir, backupId } = await backingUp(GRACE_MS);
    const signalledAt = Date.now();
    const code = await service.stop();
    const took = Date.now() - signalledAt;
    assert.equal(code, 0, service.output());
    // The backup could not have ended by itself (the source needs ~10 s): the grace period was given...
    assert.ok(took >= GRACE_MS, `exited after ${took} ms, before the grace period`);
    // ...and no more than it, plus the bounded margin.
    assert.ok(took < GRACE_MS + SHUTDOWN_MARGIN_MS, `exited after ${took} ms`);

    const db = new SqliteDatabase(path.join(dataDir, 'metadata.sqlite'), { readonly: true });
    try {
      const record = db
        .prepare('select status, error_code, error_message from backups where id = ?')
        .get(backupId);
      assert.deepEqual(record, {
        status: 'failed',
        error_code: 'dcs.08.0002',
        error_message: 'cancelled: the service stopped',
      });
      const job = db
        .prepare('select state, lease_until, finished_at from jobs where backup_id = ?')
        .get(backupId) as { state: string; lease_until: number | null; finished_at: number | null };
      assert.equal(job.state, 'finished', 'no other process may take it for a dead worker');
      assert.equal(job.lease_until, null, 'the lease is released');
      assert.notEqual(job.finished_at, null);
    } finally {
      db.close();
    }
    assert.deepEqual(backupFiles(dataDir), [], 'no partial file is left');
    const cancelled = service
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'backup cancelled');
    assert.equal(cancelled?.backupId, backupId);
    assert.equal(cancelled?.reason, 'cancelled: the service stopped');
  });

  it('exits at once, non-zero, on a second signal', async () => {
    const { service } = await backingUp(60_000);
    const first = service.stop();
    for (let i = 0; i < 50 && !service.output().includes('shutting down'); i++) await sleep(50);
    assert.match(service.output(), /shutting down/);
    const signalledAt = Date.now();
    const [firstCode, secondCode] = await Promise.all([first, service.stop()]);
    assert.equal(firstCode, 143);
    assert.equal(secondCode, 143);
    // Far sooner than the 60 s grace period the first signal started.
    assert.ok(Date.now() - signalledAt < 10_000);
  });

  it('is not held up by a client that never finishes sending its request', async () => {
    const { service } = await start(GRACE_MS);
    const { port } = new URL(service.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'POST /admin/v1/instances HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\n\r\n{"project_id":',
    );
    await sleep(200);
    const signalledAt = Date.now();
    const code = await Promise.race([service.stop(), sleep(30_000).then(() => 'still running')]);
    assert.equal(code, 0, service.output());
    assert.ok(Date.now() - signalledAt < GRACE_MS + SHUTDOWN_MARGIN_MS);
    await closed;
  });
});
