import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { fillSampleData } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

type LogLine = Record<string, unknown> & { msg: string; level: number };

/** The service's log lines (pino JSON on its output) so far. */
function logLines(session: CliSession): LogLine[] {
  return session.service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('job outcomes in the service log', () => {
  let source: RedisServer;
  let target: RedisServer;
  let session: CliSession;
  let sourceId: string;
  let targetId: string;

  before(async () => {
    source = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    target = await startRedisServer();
    await fillSampleData(source.port);
    // Metrics on a listener of their own: the last test reads what these jobs counted.
    session = await startCliSession('dcs-job-logs-', {
      DCS_JOB_POLL_MS: '100',
      DCS_METRICS_LISTEN: '127.0.0.1:0',
    });
    sourceId = await session.attach(source.port, 'src');
    targetId = await session.attach(target.port, 'dst');
  });

  after(async () => {
    await session.close();
    await source.stop();
    await target.stop();
  });

  /** The lines about one record, and the request that queued it. */
  function linesFor(idField: 'backupId' | 'restoreId', id: string) {
    const lines = logLines(session);
    const queued = lines.find((l) => l[idField] === id && / queued$/.test(l.msg));
    assert.ok(queued, `no queued line for ${id}`);
    assert.match(String(queued.requestId), /^[0-9a-f-]{36}$/);
    return { queued, lines: lines.filter((l) => l[idField] === id && l.jobId !== undefined) };
  }

  it('logs a backup that succeeds: start and success, with its ids and the request that asked for it', async () => {
    const created = await session.cli('backup', 'create', sourceId, '--wait');
    assert.equal(created.code, 0, created.stderr);
    const backupId = created.stdout.split(' ')[0]!;
    const { queued, lines } = linesFor('backupId', backupId);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['backup started', 'backup succeeded'],
    );
    for (const line of lines) {
      assert.equal(line.instanceId, sourceId);
      assert.equal(line.requestId, queued.requestId);
    }
    assert.equal(lines[1]!.status, 'succeed');

    const restored = await session.cli('restore', 'create', targetId, backupId, '--wait');
    assert.equal(restored.code, 0, restored.stderr);
    const restoreId = restored.stdout.split(' ')[0]!;
    const restore = linesFor('restoreId', restoreId);
    assert.deepEqual(
      restore.lines.map((l) => l.msg),
      ['restore started', 'restore succeeded'],
    );
    for (const line of restore.lines) {
      assert.equal(line.instanceId, targetId);
      assert.equal(line.requestId, restore.queued.requestId);
    }
  });

  it('logs a backup that fails with the record code and the reason', async () => {
    await source.stop();
    const created = await session.cli('backup', 'create', sourceId, '--wait');
    assert.equal(created.code, 1);
    const backupId = /backup ([0-9a-f-]{36}) failed/.exec(created.stderr)?.[1];
    assert.ok(backupId, created.stdout + created.stderr);
    const { queued, lines } = linesFor('backupId', backupId);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['backup started', 'backup failed'],
    );
    const failed = lines[1]!;
    assert.equal(failed.level, 40);
    assert.equal(failed.instanceId, sourceId);
    assert.equal(failed.requestId, queued.requestId);
    assert.equal(failed.errorCode, 'dcs.08.0001');
    assert.match(String(failed.reason), /cannot connect/);
  });

  it('counts the same jobs in /metrics: started, succeeded, failed by record code, bytes, last good backup', async () => {
    const listening = logLines(session).find((l) => l.msg === 'dcs-backup listening');
    const metricsUrl = String(listening?.metrics);
    assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    const body = await response.text();
    const value = (series: string) => {
      const line = body.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    assert.equal(value('dcs_jobs_started_total{kind="backup"}'), 2);
    assert.equal(value('dcs_jobs_started_total{kind="restore"}'), 1);
    assert.equal(value('dcs_jobs_finished_total{kind="backup",status="succeed",error_code="none"}'), 1);
    assert.equal(value('dcs_jobs_finished_total{kind="backup",status="failed",error_code="dcs.08.0001"}'), 1);
    assert.equal(value('dcs_jobs_finished_total{kind="restore",status="succeed",error_code="none"}'), 1);
    assert.equal(value('dcs_job_duration_seconds_count{kind="backup",status="succeed"}'), 1);
    assert.equal(value('dcs_jobs_in_flight{kind="backup"}'), 0);
    assert.equal(value('dcs_jobs_queued'), 0);
    // The one good backup's file was written once and read once by the restore.
    const written = value('dcs_job_bytes_total{kind="backup"}')!;
    assert.ok(written > 0);
    assert.equal(value('dcs_job_bytes_total{kind="restore"}'), written);
    assert.ok(value('dcs_blob_call_duration_seconds_count{operation="commit"}')! >= 1);
    const lastGood = body.split('\n').find((l) => l.startsWith('dcs_backup_last_success_timestamp_seconds{'));
    assert.match(String(lastGood), new RegExp(`instance_id="${sourceId}"`));
    assert.ok(Math.abs(Number(lastGood!.split(' ')[1]) - Date.now() / 1000) < 600);
    // The target was never backed up: it is attached, without a last good backup.
    assert.match(body, new RegExp(`dcs_instance_attached_timestamp_seconds\\{instance_id="${targetId}"`));
    assert.doesNotMatch(
      body,
      new RegExp(`dcs_backup_last_success_timestamp_seconds\\{instance_id="${targetId}"`),
    );
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/admin/v1/instances'))).status, 404);
  });
});
