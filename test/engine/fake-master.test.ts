import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { RedisEndpoint } from '../../src/core/instance.ts';
import {
  ANNOUNCED_REPLICA_VERSION,
  fetchRdb,
  type FetchRdbResult,
} from '../../src/engine/replication/replication-client.ts';
import { RedisWireError } from '../../src/engine/resp/redis-wire-error.ts';
import { startFakeMaster, type FakeMaster, type Step } from '../support/fake-master.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';

const MARK = '0123456789abcdef0123456789abcdef01234567';
const RDB = makeRdb(noise(20_000, 7));
const masters: FakeMaster[] = [];

function endpoint(port: number, password: string | null = null): RedisEndpoint {
  return { host: '127.0.0.1', port, db: 0, username: null, password, tls: false };
}

function collector() {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

async function fetchFrom(
  afterSync: Step[],
  options: {
    replies?: Record<string, string>;
    password?: string;
    idleTimeoutMs?: number;
    transferTimeoutMs?: number;
  } = {},
): Promise<{ result: FetchRdbResult; bytes: Buffer; master: FakeMaster }> {
  const master = await startFakeMaster({ afterSync, replies: options.replies });
  masters.push(master);
  const { sink, bytes } = collector();
  const result = await fetchRdb({
    endpoint: endpoint(master.port, options.password ?? null),
    sink,
    idleTimeoutMs: options.idleTimeoutMs,
    transferTimeoutMs: options.transferTimeoutMs,
  });
  return { result, bytes: bytes(), master };
}

const pause = (pauseMs: number): Step => ({ pauseMs });

describe('the replication client against a scripted master', () => {
  after(async () => {
    for (const master of masters) await master.close();
  });

  it('sends the handshake in order, one command at a time', async () => {
    const { master } = await fetchFrom([Buffer.from(`$EOF:${MARK}\r\n`), RDB, Buffer.from(MARK)], {
      password: 'pw',
    });
    assert.deepEqual(
      master.commands.map((c) => c.join(' ')),
      [
        'AUTH pw',
        'PING',
        'REPLCONF capa eof',
        'REPLCONF capa psync2',
        'REPLCONF rdb-only 1',
        `REPLCONF version ${ANNOUNCED_REPLICA_VERSION}`,
        'PSYNC ? -1',
      ],
    );
  });

  it('handles keepalives before and after +FULLRESYNC and a mark split across writes', async () => {
    const markAt = 17;
    const { result, bytes } = await fetchFrom([
      Buffer.from('\n'),
      pause(20),
      Buffer.from(`\n+FULLRESYNC ${'a'.repeat(40)} 77\r\n`),
      Buffer.from('\n'),
      pause(20),
      Buffer.from('\n'),
      Buffer.from(`$EOF:${MARK}\r\n`),
      RDB.subarray(0, 5000),
      pause(10),
      RDB.subarray(5000),
      Buffer.from(MARK.slice(0, markAt)),
      pause(20),
      Buffer.from(MARK.slice(markAt) + '\n\n'), // the 7.0.0–7.0.5 race: newlines after the mark
    ]);
    assert.deepEqual(bytes, RDB);
    assert.equal(result.summary.problem, null);
    assert.equal(result.stream.replicationOffset, 77);
  });

  it('falls back to SYNC when PSYNC is unknown', async () => {
    const { master, bytes } = await fetchFrom([Buffer.from(`$${RDB.length}\r\n`), RDB], {
      replies: { PSYNC: "-ERR unknown command 'PSYNC'\r\n" },
    });
    assert.deepEqual(bytes, RDB);
    assert.deepEqual(master.commands.at(-1), ['SYNC']);
  });

  it('tolerates masters that do not know rdb-only', async () => {
    const { bytes } = await fetchFrom(
      [Buffer.from(`$${RDB.length}\r\n`), RDB, Buffer.from('*1\r\n$4\r\nPING\r\n')],
      {
        replies: { REPLCONF: '-ERR Unrecognized REPLCONF option\r\n' },
      },
    );
    assert.deepEqual(bytes, RDB);
  });

  it('reports a corrupted checksum as a problem, never as a valid RDB', async () => {
    const corrupted = Buffer.from(RDB);
    corrupted[1000] = corrupted[1000]! ^ 0xff;
    const { result } = await fetchFrom([Buffer.from(`$${corrupted.length}\r\n`), corrupted]);
    assert.equal(result.summary.checksum, 'mismatch');
    assert.match(result.summary.problem ?? '', /CRC-64/);
  });

  const failures: [string, Step[], Record<string, string> | undefined, string, RegExp][] = [
    [
      'a stream cut short',
      [Buffer.from(`$EOF:${MARK}\r\n`), RDB.subarray(0, 9000), 'close'],
      undefined,
      'disconnected',
      /before the RDB ended/,
    ],
    [
      'a length stream cut short',
      [Buffer.from(`$${RDB.length}\r\n`), RDB.subarray(0, 100), 'close'],
      undefined,
      'disconnected',
      /before the RDB ended/,
    ],
    [
      'a refused sync',
      [],
      { PSYNC: "-NOMASTERLINK Can't SYNC while not connected with my master\r\n" },
      'refused',
      /NOMASTERLINK/,
    ],
    ['a wrong password', [], { AUTH: '-WRONGPASS invalid username-password pair\r\n' }, 'auth', /WRONGPASS/],
    [
      'garbage instead of a sync reply',
      [Buffer.from('+WHAT\r\n')],
      undefined,
      'protocol',
      /unexpected reply/,
    ],
  ];
  for (const [what, steps, replies, kind, message] of failures) {
    it(`fails with "${kind}" on ${what}`, async () => {
      await assert.rejects(
        fetchFrom(steps, { replies, password: 'secret-pw' }),
        (error: unknown) =>
          error instanceof RedisWireError &&
          error.kind === kind &&
          message.test(error.message) &&
          !error.message.includes('secret-pw'),
      );
    });
  }

  it('times out when the master falls silent mid-stream', async () => {
    await assert.rejects(
      fetchFrom([Buffer.from(`$EOF:${MARK}\r\n`), RDB.subarray(0, 100), pause(5000)], { idleTimeoutMs: 200 }),
      (error: unknown) => error instanceof RedisWireError && error.kind === 'timeout',
    );
  });

  /** A newline every 20 ms for `seconds`: a source that keeps the link alive but sends nothing else. */
  const keepalives = (seconds: number): Step[] =>
    Array.from({ length: seconds * 50 }, () => [Buffer.from('\n'), pause(20)]).flat();

  it('fails a transfer that receives only keepalives once the RDB started, with the reason', async () => {
    await assert.rejects(
      fetchFrom([Buffer.from(`$EOF:${MARK}\r\n`), RDB.subarray(0, 9000), ...keepalives(60)], {
        idleTimeoutMs: 300,
      }),
      (error: unknown) =>
        error instanceof RedisWireError &&
        error.kind === 'timeout' &&
        /only keepalive newlines/.test(error.message) &&
        /after \d+ bytes of the RDB/.test(error.message),
    );
  });

  it('lets keepalives before the RDB starts wait longer than the idle timeout', async () => {
    const { bytes } = await fetchFrom(
      [
        Buffer.from(`+FULLRESYNC ${'b'.repeat(40)} 0\r\n`),
        // A disk-based or delayed sync: the master keeps the link alive while it prepares the snapshot.
        ...keepalives(2),
        Buffer.from(`$EOF:${MARK}\r\n`),
        RDB,
        Buffer.from(MARK),
      ],
      { idleTimeoutMs: 500 },
    );
    assert.deepEqual(bytes, RDB);
  });

  it('bounds the whole transfer, even while data keeps coming', async () => {
    const trickle = Array.from({ length: 500 }, (_, i) => [
      RDB.subarray(i * 10, i * 10 + 10),
      pause(20),
    ]).flat();
    await assert.rejects(
      fetchFrom([Buffer.from(`$EOF:${MARK}\r\n`), ...trickle], {
        idleTimeoutMs: 5000,
        transferTimeoutMs: 600,
      }),
      (error: unknown) =>
        error instanceof RedisWireError &&
        error.kind === 'timeout' &&
        /did not end within 600 ms/.test(error.message),
    );
  });

  it('ends a corrupted diskless transfer at its mark, with the reason, though keepalives follow', async () => {
    const flipped = Buffer.from(RDB);
    flipped[3000] = flipped[3000]! ^ 0x04;
    const { result } = await fetchFrom([
      Buffer.from(`$EOF:${MARK}\r\n`),
      flipped,
      Buffer.from(MARK),
      ...keepalives(60),
    ]);
    assert.match(result.summary.problem ?? '', /CRC-64 checksum does not match/);
  });
});
