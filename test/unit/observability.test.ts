import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, it } from 'node:test';
import { PrometheusMetrics } from '../../src/api/observability/prometheus-metrics.ts';
import { measuredBlobStore } from '../../src/blobs/measured-blob-store.ts';
import { ConfigError, loadServiceConfig } from '../../src/config.ts';
import type { BlobStore } from '../../src/core/ports.ts';
import { schedulerEventMetrics } from '../../src/jobs/scheduler-metrics.ts';
import { createLogger } from '../../src/logger.ts';
import { prettyLine } from '../../src/service/pretty-log.ts';

const series = async (metrics: PrometheusMetrics, name: string) =>
  (await metrics.render()).body
    .split('\n')
    .find((line) => line.startsWith(`${name} `))
    ?.split(' ')[1];

describe('metrics configuration', () => {
  it('reads DCS_METRICS_LISTEN as [host:]port, loopback when no host is given', () => {
    const listen = (value: string) => loadServiceConfig({ DCS_METRICS_LISTEN: value }).metrics.listen;
    assert.deepEqual(listen('9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(listen(':9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(listen('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(listen('[::1]:9464'), { host: '::1', port: 9464 });
    assert.equal(loadServiceConfig({}).metrics.listen, undefined);
    for (const bad of ['host:', 'a:b:9464', '70000', 'x']) assert.throws(() => listen(bad), ConfigError, bad);
  });

  it('refuses a short metrics token and an unknown log format', () => {
    assert.throws(() => loadServiceConfig({ DCS_METRICS_TOKEN: 'short' }), /at least 16/);
    assert.throws(() => loadServiceConfig({ DCS_METRICS_TOKEN: 'sixteen chars  xx' }), /without spaces/);
    assert.equal(loadServiceConfig({ DCS_METRICS_TOKEN: 'x'.repeat(16) }).metrics.token, 'x'.repeat(16));
    assert.throws(() => loadServiceConfig({ DCS_LOG_FORMAT: 'yaml' }), /json or pretty/);
    assert.equal(loadServiceConfig({}).logFormat, undefined);
  });
});

describe('measured blob store', () => {
  it('times every call and counts the failing ones, passing results and errors through', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const inner = {
      id: 'fs:test',
      size: async (key: string) => (key === 'a' ? 3 : undefined),
      remove: async () => {
        throw new Error('EACCES');
      },
    } as unknown as BlobStore;
    const blobs = measuredBlobStore(inner, metrics);
    assert.equal(blobs.id, 'fs:test');
    assert.equal(await blobs.size('a'), 3);
    assert.equal(await blobs.size('b'), undefined);
    await assert.rejects(blobs.remove('a'), /EACCES/);
    assert.equal(blobs.link, undefined, 'a store without links stays without');
    assert.equal(await series(metrics, 'dcs_blob_call_duration_seconds_count{operation="size"}'), '2');
    assert.equal(await series(metrics, 'dcs_blob_call_errors_total{operation="remove"}'), '1');
    assert.equal(await series(metrics, 'dcs_blob_call_errors_total{operation="size"}'), undefined);
  });
});

describe('scheduler metrics', () => {
  it('counts windows by outcome with their lag, bulk-missed windows without a lag sample, and expiries', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const count = schedulerEventMetrics(metrics, { now: () => 1_000_000 });
    count({ kind: 'started', instanceId: 'i', backupId: 'b', windowAt: 1_000_000 - 45_000 });
    count({ kind: 'missed', instanceId: 'i', backupId: 'c', windowAt: 1_000_000 - 7_200_000 });
    count({ kind: 'missed-unrecorded', instanceId: 'i', windows: 5 });
    count({ kind: 'expired', backupId: 'd' });
    assert.equal(await series(metrics, 'dcs_scheduler_windows_total{outcome="started"}'), '1');
    assert.equal(await series(metrics, 'dcs_scheduler_windows_total{outcome="missed"}'), '6');
    assert.equal(await series(metrics, 'dcs_scheduler_window_lag_seconds_count'), '2');
    assert.equal(await series(metrics, 'dcs_scheduler_window_lag_seconds_sum'), String(45 + 7200));
    assert.equal(await series(metrics, 'dcs_scheduler_window_lag_seconds_bucket{le="60"}'), '1');
    assert.equal(await series(metrics, 'dcs_cleanup_actions_total{action="expired"}'), '1');
  });
});

describe('log format', () => {
  const line = JSON.stringify({
    level: 40,
    time: Date.UTC(2026, 11, 2, 12, 4, 5, 120),
    pid: 7,
    hostname: 'h',
    msg: 'backup failed',
    backupId: 'b-1',
    reason: 'cannot connect: ECONNREFUSED',
    errorCode: 'dcs.08.0001',
    bytes: 12,
  });

  it('shows a JSON line as time, level, message and key=value fields, quoting values with spaces', () => {
    assert.equal(
      prettyLine(line, false),
      '12:04:05.120 WARN  backup failed backupId=b-1 reason="cannot connect: ECONNREFUSED" errorCode=dcs.08.0001 bytes=12\n',
    );
    assert.ok(prettyLine(line, true).includes('\u001b['), 'colour codes on a colour terminal');
    assert.equal(prettyLine('not json', false), 'not json\n');
    const withError = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: 'x',
        err: { message: 'boom', stack: 'Error: boom\n    at f' },
      }),
      false,
    );
    assert.equal(withError, '00:00:00.000 ERROR x err=boom\n    Error: boom\n        at f\n');
  });

  it('writes pretty lines on a terminal and JSON elsewhere unless DCS_LOG_FORMAT says, secrets redacted', () => {
    const capture = (tty: boolean) => {
      let text = '';
      const out = new Writable({
        write(chunk, _encoding, done) {
          text += chunk;
          done();
        },
      }) as unknown as NodeJS.WriteStream;
      out.isTTY = tty;
      return { out, text: () => text };
    };
    const terminal = capture(true);
    createLogger({ logLevel: 'info', logFormat: undefined }, terminal.out).info(
      { requestId: 'r-1', backupId: 'b-1', endpoint: { password: 'hunter2' } },
      'backup queued',
    );
    assert.match(
      stripVTControlCharacters(terminal.text()),
      /INFO {2}backup queued requestId=r-1 backupId=b-1 endpoint=\{"password":"\[redacted\]"\}\n$/,
    );
    const forcedJson = capture(true);
    createLogger({ logLevel: 'info', logFormat: 'json' }, forcedJson.out).info({ a: 1 }, 'm');
    // pino's JSON mode writes to stdout itself: nothing went to the terminal stream given.
    assert.equal(forcedJson.text(), '');
    const forcedPretty = capture(false);
    createLogger({ logLevel: 'info', logFormat: 'pretty' }, forcedPretty.out).info({ a: 1 }, 'm');
    assert.match(forcedPretty.text(), /INFO {2}m a=1\n$/);
    assert.ok(!forcedPretty.text().includes('\u001b['), 'no colour codes when the output is not a terminal');
  });
});
