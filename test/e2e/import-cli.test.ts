import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCliSession, type CliSession } from '../support/cli-session.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { differencesFromOracle, loadOracle } from '../support/fixture-oracle.ts';
import { contentOf, openSession } from '../support/logical-content.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** Files in the store's directory that are uploads waiting for import (not backups). */
const uploads = (dataDir: string) =>
  fs.readdirSync(path.join(dataDir, 'backups')).filter((name) => name.startsWith('imports.'));

describe(
  'import and backup import through the CLI (signed uploads over HTTP)',
  { skip: !fixturesAvailable() },
  () => {
    let target: RedisServer;
    let session: CliSession;
    let instanceId: string;
    const cli = (...args: string[]) => session.cli(...args);

    before(async () => {
      target = await startRedisServer(['--repl-diskless-sync-delay', '0']);
      session = await startCliSession('dcs-import-cli-', { DCS_JOB_POLL_MS: '100' });
      instanceId = await session.attach(target.port, 'target');
    });

    after(async () => {
      await session?.close();
      await target?.stop();
    });

    it('import --wait: uploads an RDB, loads it, exits 0 with the key count; content equals the oracle', async () => {
      const result = await cli('import', instanceId, fixturePath('multiple_dbs.rdb'), '--wait');
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^[0-9a-f-]{36} SUCCESS: rdb \(RDB version \d+\), \d+ commands, \d+ keys$/m,
      );
      // Not a terminal: one line per tenth of the upload, then the task's statuses.
      assert.match(result.stderr, /uploading 100%/);
      assert.match(result.stderr, /MIGRATING\n(?:.*\n)*SUCCESS/);
      const live = await contentOf(target.port, { fieldExpiry: false });
      assert.deepEqual(differencesFromOracle(live, loadOracle('multiple_dbs_data.json')), []);
      assert.ok(
        !uploads(session.dataDir).includes('imports.p1.multiple_dbs.rdb'),
        'an imported upload is removed',
      );
    });

    it('import --wait of an AOF file', async () => {
      const file = path.join(session.dataDir, 'plain.aof');
      fs.writeFileSync(
        file,
        '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nx\r\n',
      );
      const result = await cli('import', instanceId, file, '--wait');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /SUCCESS: aof, 2 commands$/m);
      const live = await contentOf(target.port, { fieldExpiry: false });
      assert.deepEqual([...live.keys.keys()].sort(), ['0/k', '0/l']);
    });

    it('import --wait of a corrupt file: exit 1 with the reason, the target untouched', async () => {
      const session2 = await openSession(target.port);
      await session2.call('FLUSHALL');
      await session2.call('SET', 'marker', 'untouched');
      session2.close();
      const good = fs.readFileSync(fixturePath('hash_zl_v6.rdb'));
      const file = path.join(session.dataDir, 'truncated.rdb');
      fs.writeFileSync(file, good.subarray(0, good.length - 30));
      const result = await cli('import', instanceId, file, '--wait');
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /FAILED: refused before anything was written to the target/);
      assert.ok(
        uploads(session.dataDir).includes('imports.p1.truncated.rdb'),
        'a failed import keeps its upload',
      );
      const live = await contentOf(target.port, { fieldExpiry: false });
      assert.deepEqual([...live.keys.keys()], ['0/marker']);
    });

    it('backup import: an RDB 2 file becomes a manual backup, listed, then restored equal to its oracle', async () => {
      const result = await cli(
        'backup',
        'import',
        instanceId,
        fixturePath('hash_zm_v2.rdb'),
        '--remark',
        'old server',
      );
      assert.equal(result.code, 0, result.stderr);
      const backupId = /^([0-9a-f-]{36}) succeed, /.exec(result.stdout)?.[1];
      assert.ok(backupId, result.stdout);
      assert.ok(
        !uploads(session.dataDir).includes('imports.p1.hash_zm_v2.rdb'),
        'the upload is gone once the backup holds it',
      );
      const list = await cli('backup', 'list', instanceId);
      assert.match(list.stdout, new RegExp(`${backupId}.*manual.*succeed`));
      const restore = await cli('restore', 'create', instanceId, backupId, '--wait');
      assert.equal(restore.code, 0, restore.stderr);
      const live = await contentOf(target.port, { fieldExpiry: false });
      assert.deepEqual(differencesFromOracle(live, loadOracle('hash_zm_v2_data.json')), []);
    });

    it('backup import of a file the reader refuses: exit 1 with DCS.4967 and the reason', async () => {
      const result = await cli('backup', 'import', instanceId, fixturePath('invalid_chksum_v8.rdb'));
      assert.equal(result.code, 1);
      assert.match(result.stderr, /DCS\.4967 .*CRC-64/);
    });
  },
);
