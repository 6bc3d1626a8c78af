import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/app.ts';
import { startBackupHarness, type BackupHarness } from '../support/backup-harness.ts';
import { startFakeMaster, type FakeMaster, type Step } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import { makeInstance } from '../support/records.ts';
import { STORE_KINDS, type OpenedStore } from '../support/stores.ts';

const NOW = Date.UTC(2024, 6, 1, 8, 0, 0);
const MARK = 'f00dfeed'.repeat(5);
/** Short, so a stalled transfer fails in well under a second; keepalives below last a minute. */
const IDLE_MS = 400;

/** An RDB with one string key whose value is 100 bytes long: the length byte sits at LENGTH_AT. */
const VALUE = noise(100, 3);
const BODY = Buffer.concat([
  Buffer.from([0xfe, 0x00, 0xfb, 0x01, 0x00, 0x00, 0x01]),
  Buffer.from('k'),
  Buffer.from([0x40, VALUE.length]),
  VALUE,
]);
const RDB = makeRdb(BODY);
const LENGTH_AT = 9 + 7 + 1 + 1;

const keepalives = (seconds: number): Step[] =>
  Array.from({ length: seconds * 20 }, () => [Buffer.from('\n'), { pauseMs: 50 }]).flat();

const flippedLength = Buffer.from(RDB);
flippedLength[LENGTH_AT] = flippedLength[LENGTH_AT]! ^ 0x08;
const badChecksum = Buffer.from(RDB);
badChecksum[badChecksum.length - 1] = badChecksum[badChecksum.length - 1]! ^ 0xff;
const eofLine = Buffer.from(`$EOF:${MARK}\r\n`);

/** Scripts of sources whose diskless transfer never ends validly, and what the record must say. */
const CASES: { name: string; steps: Step[]; code: string; reason: RegExp }[] = [
  {
    name: 'one flipped byte in a length, the mark, then keepalives',
    steps: [eofLine, flippedLength, Buffer.from(MARK), ...keepalives(60)],
    code: 'dcs.08.0001',
    reason: /CRC-64 checksum does not match/,
  },
  {
    name: 'a file cut in half followed by the mark, then keepalives',
    steps: [eofLine, RDB.subarray(0, RDB.length >> 1), Buffer.from(MARK), ...keepalives(60)],
    code: 'dcs.08.0001',
    reason: /ended without its EOF opcode/,
  },
  {
    name: 'a bad checksum, the mark, then the connection closes',
    steps: [eofLine, badChecksum, Buffer.from(MARK), 'close'],
    code: 'dcs.08.0001',
    reason: /CRC-64 checksum does not match/,
  },
  {
    name: 'a truncated stream followed by keepalives only',
    steps: [eofLine, RDB.subarray(0, 60), ...keepalives(60)],
    code: 'dcs.08.0002',
    reason: /only keepalive newlines for 400 ms/,
  },
];

for (const kind of STORE_KINDS) {
  describe(`diskless transfers that never end validly, on ${kind.name}`, () => {
    let opened: OpenedStore;
    let harness: BackupHarness;
    const masters: FakeMaster[] = [];

    before(async () => {
      opened = await kind.open();
      harness = await startBackupHarness(opened.store, new ManualClock(NOW), { idleTimeoutMs: IDLE_MS });
    });

    after(async () => {
      await harness.close();
      for (const master of masters) await master.close();
      await opened.dispose();
    });

    for (const { name, steps, code, reason } of CASES) {
      it(`fails with the real reason and frees the instance: ${name}`, async () => {
        const master = await startFakeMaster({ afterSync: steps });
        masters.push(master);
        const instance = makeInstance({
          endpoint: {
            host: '127.0.0.1',
            port: master.port,
            db: 0,
            username: null,
            password: null,
            tls: false,
          },
        });
        await opened.store.instances.insert(instance);
        const url = `/v2/${instance.projectId}/instances/${instance.id}/backups`;
        const first = await harness.app.inject({ method: 'POST', url });
        assert.equal(first.statusCode, 200, first.body);
        await harness.worker.idle();
        const info = (
          await harness.app.inject({ method: 'GET', url: `${url}/${first.json().backup_id}` })
        ).json();
        assert.equal(info.status, 'failed');
        assert.equal(info.error_code, code);
        assert.match(info.error_message, reason);
        assert.deepEqual((await harness.deps.blobs.list()).partial, []);
        // The instance is free at once: the next backup is accepted, not refused as busy (DCS.4096).
        const next = await harness.app.inject({ method: 'POST', url });
        assert.equal(next.statusCode, 200, next.body);
        await harness.worker.idle();
      });
    }

    it('still ends a valid transfer whose mark is split across two writes', async () => {
      const master = await startFakeMaster({
        afterSync: [
          eofLine,
          RDB,
          Buffer.from(MARK.slice(0, 13)),
          { pauseMs: 30 },
          Buffer.from(MARK.slice(13)),
        ],
      });
      masters.push(master);
      const instance = makeInstance({
        endpoint: { host: '127.0.0.1', port: master.port, db: 0, username: null, password: null, tls: false },
      });
      await opened.store.instances.insert(instance);
      const url = `/v2/${instance.projectId}/instances/${instance.id}/backups`;
      const id = (await harness.app.inject({ method: 'POST', url })).json().backup_id;
      await harness.worker.idle();
      const info = (await harness.app.inject({ method: 'GET', url: `${url}/${id}` })).json();
      assert.equal(info.status, 'succeed', info.error_message);
      assert.equal(info.size, RDB.length);
    });
  });
}
