import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Credential } from '../../src/core/auth/credential.ts';
import { sha256Hex, UNSIGNED_PAYLOAD } from '../../src/core/auth/payload-hash.ts';
import { signRequest } from '../../src/core/auth/sdk-signature.ts';
import { createCredential } from '../../src/core/use-cases/credentials.ts';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { differencesFromOracle, loadOracle } from '../support/fixture-oracle.ts';
import { contentOf } from '../support/logical-content.ts';
import { makeInstance } from '../support/records.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const HOST = '127.0.0.1:18090';
const at = (port: number) => ({ host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false });

describe('uploads for import (UploadImportFile) and backup import (ImportBackup)', () => {
  let target: RedisServer;
  let opened: OpenedStore;
  let harness: BackupHarness;
  let admin: Credential;
  const clock = new ManualClock(Date.now());
  const instance = makeInstance({ projectId: 'proj-up', endpoint: at(1) });
  const uploadPath = (name: string) => `/v2/proj-up/import-files/${name}`;
  const key = (name: string) => `imports.proj-up.${name}`;
  const stored = async (name: string) => harness.deps.blobs.size(key(name));

  before(async () => {
    target = await startRedisServer(['--repl-diskless-sync-delay', '0']);
    instance.endpoint = at(target.port);
    opened = await STORE_KINDS[0]!.open();
    harness = await startBackupHarness(opened.store, clock, { maxImportBytes: 4096 });
    await opened.store.instances.insert(instance);
    admin = await createCredential(harness.deps, { role: 'admin', projectId: null, description: null });
  });

  after(async () => {
    await harness?.close();
    await opened?.dispose();
    await target?.stop();
  });

  /** Headers of a request signed as the CLI signs an upload: the file's SHA-256 in X-Sdk-Content-Sha256. */
  function signed(path: string, signedSha: string | null, extra: Record<string, string> = {}) {
    clock.current += 1000; // each signature once: a second use would be a replay
    const headers: Record<string, string> = {
      host: HOST,
      'content-type': 'application/octet-stream',
      ...extra,
    };
    if (signedSha !== null) headers['x-sdk-content-sha256'] = signedSha;
    const auth = signRequest(
      { method: 'PUT', rawPath: path, rawQuery: '', headers, payloadSha256: signedSha ?? sha256Hex('') },
      admin.accessKey,
      admin.secretKey,
      clock.now(),
    );
    return { ...headers, ...auth };
  }

  const put = (name: string, body: Buffer | Readable, headers: Record<string, string> = {}) =>
    harness.app.inject({
      method: 'PUT',
      url: uploadPath(name),
      headers: { 'content-type': 'application/octet-stream', ...headers },
      payload: body,
    });

  const dcsError = (response: { statusCode: number; json(): { error_code: string } }, status: number) => {
    assert.equal(response.statusCode, status, JSON.stringify(response.json()));
    return response.json().error_code;
  };

  it('stores the bytes under the project, and answers what CreateMigrationTask names', async () => {
    const bytes = Buffer.from('*1\r\n$4\r\nPING\r\n');
    const response = await put('a.aof', bytes);
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json();
    assert.equal(answer.file_name, key('a.aof'));
    assert.equal(answer.size, bytes.length);
    assert.equal(answer.sha256, sha256Hex(bytes));
    assert.equal(answer.bucket_name, 'dcs-backup');
    assert.equal(await stored('a.aof'), bytes.length);
  });

  it('takes a signed upload whose signed X-Sdk-Content-Sha256 is the bytes', async () => {
    const bytes = Buffer.from('the signed bytes');
    const response = await harness.app.inject({
      method: 'PUT',
      url: uploadPath('signed.bin'),
      headers: signed(uploadPath('signed.bin'), sha256Hex(bytes)),
      payload: bytes,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(await stored('signed.bin'), bytes.length);
  });

  it('refuses a swapped body under a valid signature, and keeps nothing of it', async () => {
    const meant = Buffer.from('the bytes the signer hashed');
    const swapped = Buffer.from('the bytes an attacker sends!');
    const name = 'swapped.bin';
    const headers = signed(uploadPath(name), sha256Hex(meant));
    const response = await harness.app.inject({
      method: 'PUT',
      url: uploadPath(name),
      headers,
      payload: swapped,
    });
    assert.equal(dcsError(response, 401), 'DCS.1001');
    assert.equal(await stored(name), undefined, 'nothing kept');
    assert.deepEqual(
      (await harness.deps.blobs.list()).partial.filter((k) => k.includes(name)),
      [],
      'no partial file left',
    );

    // An earlier upload of the same name stands when a swapped one is refused.
    const first = Buffer.from('first version');
    assert.equal((await put(name, first)).statusCode, 200);
    const again = signed(uploadPath(name), sha256Hex(meant));
    assert.equal(
      dcsError(
        await harness.app.inject({ method: 'PUT', url: uploadPath(name), headers: again, payload: swapped }),
        401,
      ),
      'DCS.1001',
    );
    assert.equal(await stored(name), first.length);
  });

  it('refuses a signed upload whose hash is not signed, or is UNSIGNED-PAYLOAD, before reading the body', async () => {
    const bytes = Buffer.from('some bytes');
    const plain = signed(uploadPath('plain.bin'), null);
    // The header added after signing, unsigned: it covers nothing.
    const unsignedHeader = { ...plain, 'x-sdk-content-sha256': sha256Hex(bytes) };
    for (const headers of [plain, unsignedHeader, signed(uploadPath('plain.bin'), UNSIGNED_PAYLOAD)]) {
      const response = await harness.app.inject({
        method: 'PUT',
        url: uploadPath('plain.bin'),
        headers,
        payload: bytes,
      });
      assert.equal(dcsError(response, 401), 'DCS.1001');
    }
    assert.equal(await stored('plain.bin'), undefined);
  });

  it('answers DCS errors for a bad name, an empty body, a file too large, a body that is not bytes', async () => {
    assert.equal(dcsError(await put('.hidden', Buffer.from('x')), 400), 'DCS.4964');
    assert.equal(dcsError(await put('a%2Fb', Buffer.from('x')), 400), 'DCS.4964');
    assert.equal(dcsError(await put('empty.bin', Buffer.alloc(0)), 400), 'DCS.4965');
    // Too large by its Content-Length, refused before reading; and streamed without one (chunked).
    assert.equal(dcsError(await put('big.bin', Buffer.alloc(5000)), 413), 'DCS.4966');
    const chunks = Readable.from([Buffer.alloc(3000), Buffer.alloc(3000)]);
    assert.equal(dcsError(await put('big.bin', chunks), 413), 'DCS.4966');
    assert.equal(await stored('big.bin'), undefined);
    const json = await harness.app.inject({
      method: 'PUT',
      url: uploadPath('j.bin'),
      payload: { not: 'bytes' },
    });
    assert.equal(dcsError(json, 415), 'DCS.4968');
    // Raw bytes to an operation that takes JSON are refused as a bad body, never streamed anywhere.
    const elsewhere = await harness.app.inject({
      method: 'POST',
      url: `/v2/proj-up/instances/${instance.id}/backups`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from('{}'),
    });
    assert.equal(dcsError(elsewhere, 400), 'DCS.4005');
  });

  it('lets a viewer upload nothing', async () => {
    const viewer = await createCredential(harness.deps, {
      role: 'viewer',
      projectId: 'proj-up',
      description: null,
    });
    const token = harness.deps.tokens.issue(viewer.accessKey, clock.now() + 60_000);
    const response = await put('viewer.bin', Buffer.from('x'), { 'x-auth-token': token });
    assert.equal(response.statusCode, 403);
    assert.equal(await stored('viewer.bin'), undefined);
  });

  describe('backup import', { skip: !fixturesAvailable() }, () => {
    const importBackup = (fileName: string, remark?: string) =>
      harness.app.inject({
        method: 'POST',
        url: `/v2/proj-up/instances/${instance.id}/backups/import`,
        payload: { file_name: fileName, ...(remark ? { remark } : {}) },
      });

    for (const [rdb, oracle] of [
      ['hash_zm_v2.rdb', 'hash_zm_v2_data.json'],
      ['multiple_dbs.rdb', 'multiple_dbs_data.json'],
    ] as const) {
      it(`${rdb}: stored as a manual backup, listed, verified, restored equal to ${oracle}`, async () => {
        const bytes = fs.readFileSync(fixturePath(rdb));
        const uploaded = (await put(rdb, bytes)).json();
        const response = await importBackup(uploaded.file_name, `from ${rdb}`);
        assert.equal(response.statusCode, 200, response.body);
        const { backup_id: backupId, size } = response.json();
        assert.equal(size, bytes.length);
        assert.equal(await stored(rdb), undefined, 'the upload is removed once the backup holds it');

        const base = `/v2/proj-up/instances/${instance.id}/backups`;
        const listed = (
          await harness.app.inject(`${base}?begin_time=20000101000000&end_time=29991231235959`)
        ).json();
        const record = listed.backup_record_response.find(
          (r: { backup_id: string }) => r.backup_id === backupId,
        );
        assert.equal(record.status, 'succeed');
        assert.equal(record.backup_type, 'manual');
        assert.equal(record.remark, `from ${rdb}`);
        assert.equal(record.is_support_restore, 'TRUE');

        const verified = await harness.app.inject({
          method: 'POST',
          url: `${base}/${backupId}/verify`,
          payload: {},
        });
        assert.equal(verified.json().result, 'ok', verified.body);
        assert.equal(verified.json().is_support_restore, 'TRUE');

        const restore = await harness.app.inject({
          method: 'POST',
          url: `/v2/proj-up/instances/${instance.id}/restores`,
          payload: { backup_id: backupId },
        });
        assert.equal(restore.statusCode, 200, restore.body);
        await harness.worker.idle();
        const done = (
          await harness.app.inject(
            `/v2/proj-up/instances/${instance.id}/restores/${restore.json().restore_id}`,
          )
        ).json();
        assert.equal(done.status, 'succeed', done.error_message);
        const live = await contentOf(target.port, { fieldExpiry: false });
        assert.deepEqual(differencesFromOracle(live, loadOracle(oracle)), []);
      });
    }

    it('refuses a file the RDB reader refuses, with the reason, and stores nothing', async () => {
      const before = (await opened.store.backups.list({ instanceId: instance.id, offset: 0, limit: 1000 }))
        .total;
      const good = fs.readFileSync(fixturePath('hash_zl_v6.rdb'));
      const flipped = Buffer.from(good);
      flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
      const cases: [string, Buffer, RegExp][] = [
        ['bad-checksum.rdb', fs.readFileSync(fixturePath('invalid_chksum_v8.rdb')), /CRC-64|checksum/i],
        ['flipped.rdb', flipped, /./],
        ['truncated.rdb', good.subarray(0, good.length - 20), /./],
        ['text.rdb', Buffer.from('not an RDB file at all'), /./],
      ];
      for (const [name, bytes, reason] of cases) {
        const uploaded = (await put(name, bytes)).json();
        const response = await importBackup(uploaded.file_name);
        assert.equal(dcsError(response, 400), 'DCS.4967', name);
        assert.match(response.json().error_msg, reason, name);
      }
      const afterAll = (await opened.store.backups.list({ instanceId: instance.id, offset: 0, limit: 1000 }))
        .total;
      assert.equal(afterAll, before, 'no record stored');
      const files = (await harness.deps.blobs.list()).committed.filter((k) => !k.startsWith('imports.'));
      const owned = new Set(await opened.store.backups.fileKeys(instance.id));
      assert.deepEqual(
        files.filter((k) => !owned.has(k)),
        [],
        'no backup file without its record',
      );
    });

    it('takes only a file uploaded to the project, into an instance of the project', async () => {
      assert.equal(dcsError(await importBackup('imports.other-project.x.rdb'), 400), 'DCS.4961');
      assert.equal(dcsError(await importBackup(key('never-uploaded.rdb')), 400), 'DCS.4961');
      const other = await harness.app.inject({
        method: 'POST',
        url: `/v2/proj-elsewhere/instances/${instance.id}/backups/import`,
        payload: { file_name: key('x.rdb') },
      });
      assert.equal(dcsError(other, 404), 'DCS.3022');
    });
  });
});
