import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachLocalRedis } from '../support/cli-session.ts';
import { createTestDatabase, POSTGRES_SKIP, type TestDatabase } from '../support/postgres.ts';
import { fillSampleData, snapshotOf } from '../support/redis-data.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';

interface NodeWire {
  node_id: string;
  url: string;
  pid: number;
  store_id: string;
  state: string;
  alive: boolean;
  running_jobs: number;
}

/**
 * Two service processes on one PostgreSQL database, each with its own data directory: records are shared,
 * files are not. Neither may take the other's files for missing, and a read of a file on the other's disk
 * answers DCS.4940 naming the node that holds it.
 */
describe(
  'two service processes with their own directories on one PostgreSQL',
  { skip: POSTGRES_SKIP },
  () => {
    let source: RedisServer;
    let target: RedisServer;
    let database: TestDatabase;
    let node1: ServiceProcess;
    let node2: ServiceProcess;
    const dirs: string[] = [];
    let credentials: string;
    let instanceId: string;
    let targetId: string;
    let backupId: string;
    let env: NodeJS.ProcessEnv;

    const dataDir = () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-two-nodes-'));
      dirs.push(dir);
      return dir;
    };
    const start = (dir: string) =>
      startServiceProcess(['--data-dir', dir, '--database-url', database.url], env);
    const cli = (node: ServiceProcess, ...args: string[]) =>
      runCli(['--endpoint', node.url, '--credentials', credentials, ...args]);
    const nodes = async (through: ServiceProcess) => {
      const listed = await cli(through, 'nodes', '--json');
      assert.equal(listed.code, 0, listed.stderr);
      return (JSON.parse(listed.stdout) as { nodes: NodeWire[] }).nodes;
    };
    /** Waits until the file is gone from the directory: that node's clean-up pass ran. */
    const removedByCleanup = async (file: string) => {
      while (fs.existsSync(file)) await sleep(50);
    };

    before(async () => {
      source = await startRedisServer(['--repl-diskless-sync-delay', '0']);
      target = await startRedisServer();
      await fillSampleData(source.port);
      database = await createTestDatabase();
      env = {
        DCS_MASTER_KEY: randomBytes(32).toString('hex'),
        DCS_JOB_POLL_MS: '100',
        DCS_CLEANUP_INTERVAL_MS: '100',
      };
      const dir1 = dataDir();
      node1 = await start(dir1);
      credentials = path.join(dir1, 'credentials.json');
      const attach = (port: number, name: string) =>
        attachLocalRedis((...args) => cli(node1!, ...args), port, name);
      instanceId = await attach(source.port, 'src');
      targetId = await attach(target.port, 'dst');
      // Taken while node 1 is the only process: its file is in node 1's directory.
      const created = await cli(node1, 'backup', 'create', instanceId, '--wait');
      assert.equal(created.code, 0, created.stderr);
      backupId = created.stdout.split(' ')[0]!;
      assert.ok(fs.existsSync(path.join(dir1, 'backups', `${backupId}.rdb`)));
      node2 = await start(dataDir());
    });

    after(async () => {
      await node2?.stop();
      await node1?.stop();
      await database?.drop();
      await source?.stop();
      await target?.stop();
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("lists node 1's backup through node 2, whose clean-up passes leave it restorable", async () => {
      const listed = await cli(node2, 'backup', 'list', instanceId, '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(backupId));
      // Two of node 2's passes have run in full once a second orphan dropped after the first is gone too.
      const backups2 = path.join(dirs[1]!, 'backups');
      for (let pass = 0; pass < 2; pass++) {
        const orphan = path.join(backups2, `${randomUUID()}.rdb`);
        fs.writeFileSync(orphan, 'REDIS0011');
        await removedByCleanup(orphan);
      }
      const shown = await cli(node2, 'backup', 'show', instanceId, backupId, '--json');
      assert.equal(shown.code, 0, shown.stderr);
      const detail = JSON.parse(shown.stdout) as {
        status: string;
        is_support_restore: string;
        error_message: string | null;
        store_id: string;
      };
      assert.equal(detail.status, 'succeed');
      const storeId = fs.readFileSync(path.join(dirs[0]!, 'backups', '.store-id'), 'utf8').trim();
      assert.equal(detail.store_id, `fs:${storeId}`);
      assert.equal(detail.is_support_restore, 'TRUE');
      assert.equal(detail.error_message, null);
      assert.ok(fs.existsSync(path.join(dirs[0]!, 'backups', `${backupId}.rdb`)));
    });

    it('answers DCS.4940 naming node 1 for a link, a verify or a restore through node 2', async () => {
      const naming = new RegExp(`DCS\\.4940.*pid ${node1.pid}, ${node1.url.replace(/\./g, '\\.')}`);
      const out = path.join(dirs[1]!, 'download.rdb');
      const download = await cli(node2, 'backup', 'download', instanceId, backupId, '-o', out);
      assert.notEqual(download.code, 0);
      assert.match(download.stderr, naming);
      const verify = await cli(node2, 'backup', 'verify', instanceId, backupId);
      assert.notEqual(verify.code, 0);
      assert.match(verify.stderr, naming);
      const restore = await cli(node2, 'restore', 'create', targetId, backupId);
      assert.notEqual(restore.code, 0);
      assert.match(restore.stderr, naming);

      // A link node 1 signed, followed to node 2 (a shared address, a client that swapped hosts).
      const token = (await cli(node1, 'credentials', 'token', '--ttl', '600')).stdout.trim();
      const answer = await fetch(`${node1.url}/v2/p1/instances/${instanceId}/backups/${backupId}/links`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ expiration: 600 }),
      });
      assert.equal(answer.status, 200);
      const link = ((await answer.json()) as { links: { link: string }[] }).links[0]!.link;
      const viaNode2 = await fetch(link.replace(node1.url, node2.url));
      assert.equal(viaNode2.status, 409);
      const body = (await viaNode2.json()) as { error_code: string; error_msg: string };
      assert.equal(body.error_code, 'DCS.4940');
      assert.match(body.error_msg, new RegExp(`pid ${node1.pid}`));

      // Through node 1 the same backup downloads and restores (node 2's worker leaves the restore job, bound to
      // node 1's store, alone).
      const direct = await cli(node1, 'backup', 'download', instanceId, backupId, '-o', out);
      assert.equal(direct.code, 0, direct.stderr);
      const restored = await cli(node1, 'restore', 'create', targetId, backupId, '--wait');
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(await snapshotOf(target.port), await snapshotOf(source.port));
    });

    it('lists both nodes alive, and node 1 as stopped once it stopped', async () => {
      const both = await nodes(node2);
      const byPid = new Map(both.map((n) => [n.pid, n]));
      assert.equal(byPid.get(node1.pid)?.state, 'alive');
      assert.equal(byPid.get(node2.pid)?.state, 'alive');
      assert.equal(byPid.get(node1.pid)?.url, node1.url);
      assert.notEqual(byPid.get(node1.pid)?.store_id, byPid.get(node2.pid)?.store_id);

      assert.equal(await node1.stop(), 0);
      const after = new Map((await nodes(node2)).map((n) => [n.pid, n]));
      assert.equal(after.get(node1.pid)?.state, 'stopped');
      assert.equal(after.get(node1.pid)?.alive, false);
      assert.equal(after.get(node2.pid)?.state, 'alive');

      // With node 1 stopped, node 2 still names it, as stopped.
      const verify = await cli(node2, 'backup', 'verify', instanceId, backupId);
      assert.match(verify.stderr, /DCS\.4940.*now stopped/);
    });
  },
);
