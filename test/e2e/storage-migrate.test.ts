import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachLocalRedis } from '../support/cli-session.ts';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { fillSampleData, snapshotOf } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { startS3Server, type S3Server } from '../support/s3-server.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

const JOB_ENV = { DCS_JOB_LEASE_MS: '1500', DCS_JOB_POLL_MS: '100' };
const PREFIX = 'moved/';
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Backup {
  id: string;
  sha256: string;
  file: string;
}

describe('storage migrate: moving a data directory’s backups into a bucket (s3rver)', () => {
  let s3: S3Server;
  let redis: RedisServer;
  let session: CliSession;
  let instanceId: string;
  let service: ServiceProcess | undefined;
  const backups: Backup[] = [];
  const migrate = (...args: string[]) =>
    runCli(
      ['storage', 'migrate', '--to', `s3://${s3.bucket}/${PREFIX}`, '--data-dir', session.dataDir, ...args],
      s3.env(PREFIX),
    );
  const objectSha = async (key: string) => {
    const blobs = s3.store(PREFIX);
    try {
      const body = await blobs.open(key);
      if (!body) return { metadata: undefined, bytes: undefined };
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return { metadata: await blobs.metadata(key), bytes: sha256Of(Buffer.concat(chunks)) };
    } finally {
      blobs.close();
    }
  };

  before(async () => {
    s3 = await startS3Server();
    redis = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    await fillSampleData(redis.port);
    session = await startCliSession('dcs-migrate-e2e-', JOB_ENV);
    instanceId = await session.attach(redis.port, 'src');
    for (let n = 0; n < 3; n++) {
      const result = await session.cli('backup', 'create', instanceId, '--wait');
      assert.equal(result.code, 0, result.stderr);
      const match = /^([0-9a-f-]{36}) succeed, .* sha256 ([0-9a-f]{64})$/m.exec(result.stdout);
      assert.ok(match, result.stdout);
      const file = path.join(session.dataDir, 'backups', `${match[1]}.rdb`);
      backups.push({ id: match[1]!, sha256: match[2]!, file });
    }
    // A local admin command: the service that owns the directory is stopped first.
    await session.service.stop();
  });

  after(async () => {
    await service?.stop();
    await session?.close();
    await redis?.stop();
    await s3?.dispose();
  });

  it('with --dry-run says what it would move and changes nothing', async () => {
    const result = await migrate('--dry-run');
    assert.equal(result.code, 0, result.stderr);
    for (const { id } of backups)
      assert.match(result.stdout, new RegExp(`^would-move ${id} ${id}\\.rdb: `, 'm'));
    assert.match(result.stdout, /^would move 3, skipped 0, failed 0, 0 bytes uploaded/m);
    const blobs = s3.store(PREFIX);
    try {
      assert.deepEqual((await blobs.list()).committed, []);
    } finally {
      blobs.close();
    }
  });

  it('moves the good files, does not send again an object already uploaded, and refuses a changed file', async () => {
    const [first, second, changed] = backups as [Backup, Backup, Backup];
    // An earlier run interrupted after the first upload: the object is there with its checksum.
    const blobs = s3.store(PREFIX);
    try {
      const writer = await blobs.create(`${first.id}.rdb`);
      writer.stream.end(fs.readFileSync(first.file));
      await writer.commit({ sha256: first.sha256, 'rdb-version': '9', 'backup-id': first.id });
    } finally {
      blobs.close();
    }
    const original = fs.readFileSync(changed.file);
    const tampered = Buffer.from(original);
    tampered[Math.floor(tampered.length / 2)]! ^= 0xff;
    fs.writeFileSync(changed.file, tampered);
    try {
      const result = await migrate();
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`^moved ${first.id} .*not sent again; switched$`, 'm'));
      assert.match(
        result.stdout,
        new RegExp(`^moved ${second.id} .*uploaded \\d+ bytes, SHA-256 verified`, 'm'),
      );
      assert.match(
        result.stdout,
        new RegExp(
          `^failed ${changed.id} .*SHA-256 [0-9a-f]{64} is not the record's ${changed.sha256}.*not switched$`,
          'm',
        ),
      );
      const secondSize = fs.statSync(second.file).size;
      assert.match(
        result.stdout,
        new RegExp(`^moved 2, skipped 0, failed 1, ${secondSize} bytes uploaded`, 'm'),
      );
      assert.match(result.stdout, /local files stay in place/);
      for (const { id, sha256 } of [first, second]) {
        const object = await objectSha(`${id}.rdb`);
        assert.equal(object.bytes, sha256);
        assert.equal(object.metadata?.sha256, sha256);
      }
      assert.equal((await objectSha(`${second.id}.rdb`)).metadata?.['backup-id'], second.id);
      // The refused upload was aborted before commit: nothing of it is visible.
      assert.equal((await objectSha(`${changed.id}.rdb`)).bytes, undefined);
      // The local copies are left for the clean-up pass.
      for (const { file } of backups) assert.ok(fs.existsSync(file));
    } finally {
      fs.writeFileSync(changed.file, original);
    }
  });

  it('resumes: the next run moves only what is left, the one after moves nothing', async () => {
    const third = backups[2]!;
    const resumed = await migrate();
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`^moved ${third.id} .*uploaded`, 'm'));
    assert.match(resumed.stdout, /^moved 1, skipped 2, failed 0, /m);
    assert.equal((await objectSha(`${third.id}.rdb`)).bytes, third.sha256);
    const again = await migrate();
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^moved 0, skipped 3, failed 0, 0 bytes uploaded/m);
  });

  it('a service on the bucket and the same data directory serves the moved backups and restores one', async () => {
    service = await startServiceProcess(
      ['--data-dir', session.dataDir, '--blob-url', `s3://${s3.bucket}/${PREFIX}`],
      {
        ...JOB_ENV,
        ...s3.env(PREFIX),
      },
    );
    const cli = (...args: string[]) =>
      runCli(['--endpoint', service!.url, ...args], { DCS_DATA_DIR: session.dataDir });
    const token = await cli('credentials', 'token', '--ttl', '600');
    assert.equal(token.code, 0, token.stderr);
    for (const { id, sha256 } of backups) {
      const answer = await fetch(`${service.url}/v2/p1/instances/${instanceId}/backups/${id}/links`, {
        method: 'POST',
        headers: { 'x-auth-token': token.stdout.trim(), 'content-type': 'application/json' },
        body: JSON.stringify({ expiration: 600 }),
      });
      assert.equal(answer.status, 200, await answer.clone().text());
      const body = (await answer.json()) as {
        bucket_name: string;
        file_path: string;
        links: { link: string }[];
      };
      assert.equal(body.bucket_name, s3.bucket);
      assert.equal(body.file_path, `${PREFIX}${id}.rdb`);
      const link = body.links[0]!.link;
      assert.ok(link.startsWith(`${s3.endpoint}/${s3.bucket}/${PREFIX}${id}.rdb?`), link);
      const direct = await fetch(link);
      assert.equal(direct.status, 200);
      assert.equal(sha256Of(Buffer.from(await direct.arrayBuffer())), sha256);
    }
    const target = await startRedisServer();
    try {
      const targetId = await attachLocalRedis(cli, target.port, 'dst');
      const restored = await cli('restore', 'create', targetId, backups[1]!.id, '--wait');
      assert.equal(restored.code, 0, restored.stdout + restored.stderr);
      assert.deepEqual(await snapshotOf(target.port), await snapshotOf(redis.port));
    } finally {
      await target.stop();
    }
  });
});
