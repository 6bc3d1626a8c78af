import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { attachLocalRedis } from '../support/cli-session.ts';
import { createTestDatabase, POSTGRES_SKIP, type TestDatabase } from '../support/postgres.ts';
import { fillSampleData, redisCli, snapshotOf } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../support/s3-server.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

const LEASE_MS = 1500;
const PREFIX = 'nodes/';

/**
 * Three service processes on one PostgreSQL database and one bucket behave as one service: any node answers
 * any request, the job runs on whichever node claims it, and a node killed mid-backup leaves a failed record
 * and, after a clean-up pass, nothing of its upload.
 */
describe('three service nodes on one PostgreSQL database and one bucket', { skip: POSTGRES_SKIP }, () => {
  let database: TestDatabase;
  let s3: S3Server;
  let source: RedisServer;
  let target: RedisServer;
  const nodes: ServiceProcess[] = [];
  const dataDirs: string[] = [];
  let instanceId: string;
  let backupId: string;
  let sha256: string;

  /** The CLI against one node, with the admin credentials the first node wrote on its first start. */
  const cli = (node: ServiceProcess, ...args: string[]) =>
    runCli(['--endpoint', node.url, ...args], { DCS_DATA_DIR: dataDirs[0] });

  before(async () => {
    database = await createTestDatabase();
    s3 = await startS3Server();
    source = await startRedisServer(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
    target = await startRedisServer(['--enable-debug-command', 'yes']);
    await fillSampleData(source.port);
    const env = {
      ...s3.env(PREFIX),
      DCS_DATABASE_URL: database.url,
      DCS_MASTER_KEY: randomBytes(32).toString('hex'),
      DCS_JOB_LEASE_MS: String(LEASE_MS),
      DCS_JOB_POLL_MS: '100',
      DCS_CLEANUP_INTERVAL_MS: '500',
      // Every part (5 MiB at least) is over this bound: the uploads here all go through spool files.
      DCS_S3_MAX_MEMORY_PART_MB: '1',
    };
    for (let index = 0; index < 3; index++)
      dataDirs.push(fs.mkdtempSync(path.join(os.tmpdir(), `dcs-node-${index + 1}-`)));
    // The first creates the schema and the admin credential; the other two then start together and find them.
    nodes.push(await startServiceProcess(['--data-dir', dataDirs[0]!], env));
    nodes.push(
      ...(await Promise.all(
        dataDirs.slice(1).map((dataDir) => startServiceProcess(['--data-dir', dataDir], env)),
      )),
    );
  });

  after(async () => {
    for (const node of nodes) await node.stop();
    for (const dataDir of dataDirs) fs.rmSync(dataDir, { recursive: true, force: true });
    await source?.stop();
    await target?.stop();
    await s3?.dispose();
    await database?.drop();
  });

  /** The state column of a backup's row in `backup list`, through the given node. */
  const stateOf = async (node: ServiceProcess, id: string) => {
    const list = await cli(node, 'backup', 'list', instanceId);
    assert.equal(list.code, 0, list.stderr);
    return list.stdout.split('\n').find((line) => line.includes(id)) ?? '';
  };

  it('backs up through node 1 and lists the backup through node 2', async () => {
    const [node1, node2] = nodes as [ServiceProcess, ServiceProcess];
    instanceId = await attachLocalRedis((...args) => cli(node1, ...args), source.port, 'src');
    const created = await cli(node1, 'backup', 'create', instanceId, '--wait');
    assert.equal(created.code, 0, created.stderr);
    const match = /^([0-9a-f-]{36}) succeed, .* sha256 ([0-9a-f]{64})$/m.exec(created.stdout);
    assert.ok(match, created.stdout);
    [, backupId, sha256] = match as unknown as [string, string, string];
    assert.match(await stateOf(node2, backupId), /succeed/);
  });

  it('hands out a presigned link through node 3 that downloads the same bytes', async () => {
    const node3 = nodes[2]!;
    const token = await cli(node3, 'credentials', 'token', '--ttl', '600');
    assert.equal(token.code, 0, token.stderr);
    const answer = await fetch(`${node3.url}/v2/p1/instances/${instanceId}/backups/${backupId}/links`, {
      method: 'POST',
      headers: { 'x-auth-token': token.stdout.trim(), 'content-type': 'application/json' },
      body: JSON.stringify({ expiration: 600 }),
    });
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as {
      bucket_name: string;
      file_path: string;
      links: { link: string }[];
    };
    assert.equal(body.bucket_name, s3.bucket);
    assert.equal(body.file_path, `${PREFIX}${backupId}.rdb`);
    const link = body.links[0]!.link;
    // The bucket itself serves the file, not a node.
    assert.ok(link.startsWith(`${s3.endpoint}/`), link);
    const download = await fetch(link);
    assert.equal(download.status, 200);
    const bytes = Buffer.from(await download.arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sha256);
  });

  it('restores through node 2 into a second server with equal content', async () => {
    const node2 = nodes[1]!;
    const targetId = await attachLocalRedis((...args) => cli(node2, ...args), target.port, 'dst');
    const restored = await cli(node2, 'restore', 'create', targetId, backupId, '--wait');
    assert.equal(restored.code, 0, restored.stderr);
    const [copy, original] = [await snapshotOf(target.port), await snapshotOf(source.port)];
    assert.notEqual(original.digest, '0'.repeat(40));
    assert.deepEqual(copy, original);
  });

  it('fails the backup of a node killed mid-upload within the lease, and cleans its upload away', async () => {
    // A dataset that takes seconds to send: several parts, sent slowly, so the kill lands mid-upload.
    await redisCli(source.port, ['DEBUG', 'POPULATE', '3000', 'slow', '10000']);
    // Uncompressed, so the file really is about 30 MB: several parts.
    await redisCli(source.port, ['CONFIG', 'SET', 'rdbcompression', 'no', 'rdb-key-save-delay', '1000']);
    const started = await cli(nodes[0]!, 'backup', 'create', instanceId);
    assert.equal(started.code, 0, started.stderr);
    const id = /[0-9a-f-]{36}/.exec(started.stdout)![0];

    // The node running it: whichever claimed the job (its owner names the process).
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    let owner = '';
    try {
      for (let attempt = 0; attempt < 200 && !owner; attempt++) {
        const { rows } = await db.query<{ owner: string | null }>(
          'SELECT owner FROM jobs WHERE backup_id = $1',
          [id],
        );
        owner = rows[0]?.owner ?? '';
        if (!owner) await sleep(50);
      }
    } finally {
      await db.end();
    }
    const victim = nodes.find((node) => owner.split('/')[1] === String(node.pid));
    assert.ok(victim, `no node owns the job (owner ${owner})`);

    // Killed once its multipart upload has begun: the upload marker then holds the upload's id.
    const marker = await waitForUploadId(s3, `${PREFIX}.uploads/${id}.rdb`);
    assert.ok(marker.length > 0);
    assert.match(victim.output(), /too big for memory: spooled to files/);
    await victim.kill();
    const survivors = nodes.filter((node) => node !== victim);
    await redisCli(source.port, ['CONFIG', 'SET', 'rdb-key-save-delay', '0']);

    // The record ends failed with "job abandoned" once the lease ran out; a bounded poll, not a timing.
    let row = '';
    for (let attempt = 0; attempt < 100 && !/failed|succeed/.test(row); attempt++) {
      row = await stateOf(survivors[0]!, id);
      if (!/failed|succeed/.test(row)) await sleep(200);
    }
    assert.match(row, /failed \(dcs\.08\.0002\)/);

    // A clean-up pass on a surviving node removes the upload and its marker; no object ever became visible.
    const blobs = s3.store(PREFIX);
    try {
      let listed = await blobs.list();
      for (let attempt = 0; attempt < 100 && listed.partial.includes(`${id}.rdb`); attempt++) {
        await sleep(100);
        listed = await blobs.list();
      }
      assert.deepEqual(listed.partial, []);
      assert.ok(!listed.committed.includes(`${id}.rdb`));
      assert.equal(await blobs.size(`${id}.rdb`), undefined);
    } finally {
      blobs.close();
    }

    // The surviving nodes go on: a second backup succeeds.
    const again = await cli(survivors[0]!, 'backup', 'create', instanceId, '--wait');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^[0-9a-f-]{36} succeed/m);
    // The survivors' part files went once sent.
    for (const node of survivors) {
      const spool = path.join(dataDirs[nodes.indexOf(node)]!, 's3-spool');
      assert.deepEqual(fs.existsSync(spool) ? fs.readdirSync(spool) : [], []);
    }
    assert.match(
      await stateOf(survivors[1]!, /^([0-9a-f-]{36}) succeed/m.exec(again.stdout)![1]!),
      /succeed/,
    );
  });
});

/** Polls the upload marker until it names a multipart upload (the first part is on its way). */
async function waitForUploadId(s3: S3Server, key: string): Promise<string> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  try {
    for (let attempt = 0; attempt < 400; attempt++) {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
        const text = (await answer.Body?.transformToString()) ?? '';
        if (text) return text;
      } catch (error) {
        if ((error as Error).name !== 'NoSuchKey') throw error;
      }
      await sleep(25);
    }
    return '';
  } finally {
    client.destroy();
  }
}
