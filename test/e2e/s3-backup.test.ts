import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { fillSampleData, snapshotOf } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';
import { runCli } from '../support/service-process.ts';

const run = promisify(execFile);
const JOB_ENV = { DCS_JOB_LEASE_MS: '1500', DCS_JOB_POLL_MS: '100' };

describe('backups kept in an S3 bucket (s3rver), through the service binary and the CLI', () => {
  let s3: S3Server;
  let redis: RedisServer;
  let session: CliSession;
  let instanceId: string;
  let backupId: string;
  let sha256: string;
  const cli = (...args: string[]) => session.cli(...args);

  before(async () => {
    s3 = await startS3Server();
    redis = await startRedisServer(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
    await fillSampleData(redis.port);
    session = await startCliSession('dcs-s3-e2e-', { ...JOB_ENV, ...s3.env('backups/') });
    instanceId = await session.attach(redis.port, 'src');
  });

  after(async () => {
    await session?.close();
    await redis?.stop();
    await s3?.dispose();
  });

  it('backs up into the bucket: the object is there with its metadata, nothing in the data directory', async () => {
    assert.match(session.service.output(), /"blobs":"s3:\/\/backups\/backups\/"/);
    const result = await cli('backup', 'create', instanceId, '--wait');
    assert.equal(result.code, 0, result.stderr);
    const match = /^([0-9a-f-]{36}) succeed, .* sha256 ([0-9a-f]{64})$/m.exec(result.stdout);
    assert.ok(match, result.stdout);
    [, backupId, sha256] = match as unknown as [string, string, string];
    const blobs = s3.store('backups/');
    try {
      const metadata = await blobs.metadata(`${backupId}.rdb`);
      assert.equal(metadata?.sha256, sha256);
      assert.equal(metadata?.['backup-id'], backupId);
      assert.match(metadata?.['rdb-version'] ?? '', /^\d+$/);
      assert.deepEqual((await blobs.list()).partial, []);
    } finally {
      blobs.close();
    }
    const local = path.join(session.dataDir, 'backups');
    assert.deepEqual(fs.existsSync(local) ? fs.readdirSync(local) : [], []);
  });

  it('answers ListBackupFileLinks with a presigned URL of the real object, which downloads the right bytes', async () => {
    const token = await cli('credentials', 'token', '--ttl', '600');
    assert.equal(token.code, 0, token.stderr);
    const answer = await fetch(
      `${session.service.url}/v2/p1/instances/${instanceId}/backups/${backupId}/links`,
      {
        method: 'POST',
        headers: { 'x-auth-token': token.stdout.trim(), 'content-type': 'application/json' },
        body: JSON.stringify({ expiration: 600 }),
      },
    );
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as {
      bucket_name: string;
      file_path: string;
      sha256: string;
      links: { link: string }[];
    };
    assert.equal(body.bucket_name, 'backups');
    assert.equal(body.file_path, `backups/${backupId}.rdb`);
    assert.equal(body.sha256, sha256);
    const link = body.links[0]!.link;
    assert.ok(link.startsWith(`${s3.endpoint}/backups/backups/${backupId}.rdb?`), link);
    assert.match(link, /X-Amz-Expires=600/);
    const direct = await fetch(link);
    assert.equal(direct.status, 200);
    assert.equal(
      createHash('sha256')
        .update(Buffer.from(await direct.arrayBuffer()))
        .digest('hex'),
      sha256,
    );
    const output = path.join(session.dataDir, 'downloaded.rdb');
    const result = await cli('backup', 'download', instanceId, backupId, '-o', output);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\(verified\)/);
    await run('redis-check-rdb', [output]);
  });

  it('verifies and restores from the bucket into a second server with equal content', async () => {
    const verify = await cli('backup', 'verify', instanceId, backupId);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /checksum ok, sha256 matches, restorable TRUE/);
    const target = await startRedisServer(['--enable-debug-command', 'yes']);
    try {
      const targetId = await session.attach(target.port, 'dst');
      const restored = await cli('restore', 'create', targetId, backupId, '--wait');
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(await snapshotOf(target.port), await snapshotOf(redis.port));
    } finally {
      await target.stop();
    }
  });

  it('deletes the object with the backup', async () => {
    const result = await cli('backup', 'delete', instanceId, backupId);
    assert.equal(result.code, 0, result.stderr);
    const blobs = s3.store('backups/');
    try {
      assert.equal(await blobs.size(`${backupId}.rdb`), undefined);
    } finally {
      blobs.close();
    }
  });

  it('fails a backup whose bucket goes away mid-upload, with no object left visible', async () => {
    // Enough data that the upload is still sending parts when the server stops.
    await run('redis-cli', ['-p', String(redis.port), 'DEBUG', 'POPULATE', '400000', 'big', '100']);
    const started = await cli('backup', 'create', instanceId);
    assert.equal(started.code, 0, started.stderr);
    const id = /[0-9a-f-]{36}/.exec(started.stdout)![0];
    // Stopped once the upload has begun: its marker shows the write under way.
    const watcher = s3.store('backups/');
    try {
      for (let attempt = 0; attempt < 300 && !(await watcher.list()).partial.includes(`${id}.rdb`); attempt++)
        await sleep(20);
      assert.ok((await watcher.list()).partial.includes(`${id}.rdb`));
    } finally {
      watcher.close();
    }
    await s3.stop();
    // The record ends failed (the worker's part upload fails, its retries too); a bounded poll, not a timing.
    let row = '';
    for (let attempt = 0; attempt < 300 && !/failed|succeed/.test(row); attempt++) {
      const list = await cli('backup', 'list', instanceId);
      row = list.stdout.split('\n').find((line) => line.includes(id)) ?? '';
      if (!/failed|succeed/.test(row)) await sleep(200);
    }
    assert.match(row, /failed/);
    await s3.restart();
    const blobs = s3.store('backups/');
    try {
      assert.equal(await blobs.size(`${id}.rdb`), undefined);
      assert.ok(!(await blobs.list()).committed.includes(`${id}.rdb`));
    } finally {
      blobs.close();
    }
  });
  it('removes the objects of an instance detached with --force, once the bucket is back', async () => {
    const result = await cli('backup', 'create', instanceId, '--wait');
    assert.equal(result.code, 0, result.stderr);
    const id = /^([0-9a-f-]{36}) succeed/m.exec(result.stdout)![1]!;
    const blobs = s3.store('backups/');
    try {
      assert.ok((await blobs.size(`${id}.rdb`))! > 0);
      const detached = await cli('instance', 'detach', instanceId, '--force');
      assert.equal(detached.code, 0, detached.stderr);
      assert.equal(await blobs.size(`${id}.rdb`), undefined);
      assert.deepEqual((await blobs.list()).committed, []);
    } finally {
      blobs.close();
    }
  });
});

describe('the service against a bucket it cannot use', () => {
  let s3: S3Server;
  before(async () => {
    s3 = await startS3Server();
  });
  after(async () => {
    await s3.dispose();
  });

  const serve = async (env: NodeJS.ProcessEnv) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-s3-refused-'));
    try {
      return await runCli(['serve', '--port', '0', '--data-dir', dataDir], env);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  it('refuses to start when the bucket does not exist, naming the bucket and the call', async () => {
    const result = await serve({ ...s3.env(), DCS_BLOB_URL: 's3://missing-bucket/dcs' });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /the bucket s3:\/\/missing-bucket\/dcs\/ refused PutObject: NoSuchBucket/);
  });

  it('refuses to start when the credentials are refused', async () => {
    const result = await serve({ ...s3.env(), AWS_ACCESS_KEY_ID: 'STRANGER' });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /the bucket s3:\/\/backups\/dcs\/ refused PutObject: InvalidAccessKeyId/);
  });
});
