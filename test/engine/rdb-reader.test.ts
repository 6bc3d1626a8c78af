import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { inspectRdb } from '../../src/engine/rdb/rdb-inspector.ts';
import { type RdbEvent, RdbParser } from '../../src/engine/rdb/rdb-reader.ts';
import { decodeValue, type LogicalValue } from '../../src/engine/rdb/value-decoder.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { loadOracle, ORACLES } from '../support/fixture-oracle.ts';
import { crc64 } from '../../src/engine/rdb/crc64.ts';
import { makeRdb, noise } from '../support/rdb-bytes.ts';
import {
  emptyCollectionKeys,
  emptyIntset,
  emptyListpack,
  keyEntry,
  moreEmptyCollectionKeys,
  rdbLength,
  rdbString,
  rdbWithKeys,
  stringKey,
} from '../support/empty-collections-rdb.ts';
import { TYPE } from '../../src/engine/rdb/rdb-types.ts';

/** Keys whose expiry is before this are left out, as the oracle leaves out expired keys (a fixed time, not now). */
const ORACLE_NOW = Date.UTC(2026, 0, 1);

/** Fixtures without an oracle: they must still read to their end with a good checksum. */
const READABLE = [
  '100_lists.rdb',
  'empty.rdb',
  'function.rdb',
  'misc_with_stream.rdb',
  'module_aux_empty.rdb',
  'module_aux_v12.rdb',
  'script.rdb',
  'script_legacy.rdb',
  'string_lzf.rdb',
];

interface ReadResult {
  events: RdbEvent[];
  dbs: Map<number, Map<string, LogicalValue & { expireAtMs: number | null }>>;
  aux: Record<string, string>;
  functions: string[];
}

function read(chunks: Buffer[]): ReadResult {
  const parser = new RdbParser();
  const events: RdbEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.finish());
  const result: ReadResult = { events, dbs: new Map(), aux: {}, functions: [] };
  for (const event of events) {
    if (event.kind === 'aux') result.aux[event.key] = event.value.toString('latin1');
    if (event.kind === 'function') result.functions.push(event.code.toString('utf8'));
    if (event.kind === 'key') {
      const { record } = event;
      const db = result.dbs.get(record.db) ?? new Map();
      result.dbs.set(record.db, db);
      db.set(record.key.toString('utf8'), {
        ...decodeValue(record.type, record.value!),
        expireAtMs: record.expireAtMs,
      });
    }
  }
  return result;
}

/** A deterministic generator, so a failing split can be reproduced. */
function randomSplits(data: Buffer, seed: number): Buffer[] {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff), state);
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const size = 1 + (next() % 40);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const text = (b: Buffer) => b.toString('utf8');

/** Our content in the oracle's shape. */
function asOracle(value: LogicalValue): unknown {
  switch (value.kind) {
    case 'string':
      return text(value.value);
    case 'list':
      return value.items.map(text);
    case 'set':
      return value.members.map(text).sort();
    case 'zset':
      // The oracle prints -0 as 0.
      return Object.fromEntries(value.entries.map((e) => [text(e.member), e.score === 0 ? 0 : e.score]));
    case 'hash':
      return Object.fromEntries(value.fields.map((f) => [text(f.field), text(f.value)]));
    case 'module':
      return `<Content of Module '${value.moduleName}'. Occupies a serialized size of ${value.serializedBytes} bytes>`;
    case 'stream': {
      const s = value.stream;
      const pairs = (fields: Buffer[]) =>
        Object.fromEntries(fields.flatMap((f, i) => (i % 2 === 0 ? [[text(f), text(fields[i + 1]!)]] : [])));
      return {
        entries: s.entries.map((e) => ({ id: e.id, items: pairs(e.fields) })),
        length: s.length,
        entriesAdded: s.entriesAdded,
        firstID: s.firstId,
        lastID: s.lastId,
        maxDelEntryID: s.maxDeletedId,
        groups: s.groups.map((g) => ({
          name: text(g.name),
          lastid: g.lastId,
          entriesRead: g.entriesRead,
          pending: g.pending.map((p) => ({ sent: p.deliveryTimeMs, id: p.id, count: p.deliveryCount })),
          consumers: g.consumers.map((c) => ({
            name: text(c.name),
            activeTime: c.activeTimeMs,
            seenTime: c.seenTimeMs,
            ...(c.pending.length > 0 ? { pending: c.pending.map((id) => ({ id })) } : {}),
          })),
        })),
      };
    }
  }
}

/** The oracle's values in our comparable shape: scores as numbers, sets sorted. */
function normaliseOracle(ours: LogicalValue, theirs: unknown): unknown {
  if (ours.kind === 'set') return [...(theirs as string[])].sort();
  if (ours.kind === 'zset') {
    return Object.fromEntries(
      Object.entries(theirs as Record<string, string>).map(([m, s]) => [
        m,
        s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s),
      ]),
    );
  }
  if (ours.kind === 'stream' && !('length' in (theirs as object))) {
    // The plain stream oracle lists entries only.
    return theirs;
  }
  return theirs;
}

describe('the RDB reader on a large file in large chunks', () => {
  it('gives the same events whole and in chunks of 1 B to 300 KB, values of every size crossing chunk borders', () => {
    // String keys with values from a few bytes to 200 KB, a big list, then more strings: 3 MB in all.
    const parts: Buffer[] = [Buffer.from([0xfe, 0x00])];
    const str = (b: Buffer) => {
      if (b.length < 64) return Buffer.concat([Buffer.from([b.length]), b]);
      const header = Buffer.alloc(5);
      header[0] = 0x80;
      header.writeUInt32BE(b.length, 1);
      return Buffer.concat([header, b]);
    };
    for (let i = 0; i < 400; i++) {
      const size = i % 40 === 0 ? 200_000 : (i * 37) % 3000;
      parts.push(Buffer.from([0x00]), str(Buffer.from(`key-${i}`)), str(noise(size, i + 1)));
      if (i === 200) {
        const items = Array.from({ length: 5000 }, (_, j) => str(noise(j % 90, j)));
        parts.push(
          Buffer.from([0x01]),
          str(Buffer.from('big-list')),
          Buffer.from([0x80, 0, 0, 0x13, 0x88]),
          ...items,
        );
      }
    }
    const data = makeRdb(Buffer.concat(parts));
    const whole = read([data]).events;
    let state = 7;
    const next = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff), state);
    for (const maxChunk of [300_000, 70_000, 5_000]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.length;) {
        const size = 1 + (next() % maxChunk);
        chunks.push(data.subarray(at, at + size));
        at += size;
      }
      assert.deepEqual(read(chunks).events, whole, `chunks up to ${maxChunk} bytes`);
    }
    assert.equal(whole.filter((e) => e.kind === 'key').length, 401);
    // A chunk border inside the length of a 200 KB value: the value is needed whole from bytes of two chunks.
    const header = data.indexOf(Buffer.from([0x80, 0x00, 0x03, 0x0d, 0x40]), 100);
    assert.ok(header > 0);
    assert.deepEqual(read([data.subarray(0, header + 2), data.subarray(header + 2)]).events, whole);
  });
});

describe('the RDB reader against the shared fixtures', { skip: !fixturesAvailable() }, () => {
  for (const [rdb, oracleName] of ORACLES) {
    it(`${rdb}: content equals ${oracleName}, however the bytes arrive`, () => {
      const data = fs.readFileSync(fixturePath(rdb));
      const whole = read([data]);
      const bytewise = read([...data].map((b) => Buffer.from([b])));
      const split = read(randomSplits(data, data.length));
      for (const other of [bytewise, split]) {
        assert.deepEqual(other.events, whole.events);
      }

      const oracle = loadOracle(oracleName);
      for (const [key, value] of Object.entries(oracle.aux))
        assert.equal(whole.aux[key], value, `aux ${key}`);
      assert.deepEqual([...whole.functions].sort(), [...oracle.functions].sort());
      const live = [...whole.dbs.values()]
        .map((db) => new Map([...db].filter(([, v]) => v.expireAtMs === null || v.expireAtMs > ORACLE_NOW)))
        .filter((db) => db.size > 0);
      assert.equal(live.length, oracle.dbs.length, 'databases');
      live.forEach((db, index) => {
        const expected = oracle.dbs[index]!;
        assert.deepEqual([...db.keys()].sort(), Object.keys(expected).sort(), `keys of database ${index}`);
        for (const [key, value] of db) {
          const theirs = expected[key];
          if (value.kind === 'stream' && !('length' in (theirs as object))) {
            assert.deepEqual(
              (asOracle(value) as { entries: unknown }).entries,
              (theirs as { entries: unknown }).entries,
            );
          } else {
            assert.deepEqual(asOracle(value), normaliseOracle(value, theirs), `value of ${key}`);
          }
        }
      });
    });
  }

  for (const rdb of READABLE) {
    it(`${rdb}: reads to its end, checksum ok`, async () => {
      const inspection = await inspectRdb([fs.readFileSync(fixturePath(rdb))], { deep: true });
      assert.equal(inspection.problem, null);
      assert.notEqual(inspection.checksum, 'mismatch');
    });
  }

  it('keeps what an LRU or LFU source recorded per key', () => {
    const idle = read([fs.readFileSync(fixturePath('mem_policy_lru.rdb'))]).events.find(
      (e) => e.kind === 'key',
    );
    const freq = read([fs.readFileSync(fixturePath('mem_policy_lfu.rdb'))]).events.find(
      (e) => e.kind === 'key',
    );
    assert.ok(idle?.kind === 'key' && idle.record.idleSeconds !== null);
    assert.ok(freq?.kind === 'key' && freq.record.freq !== null);
  });

  it('refuses a file whose checksum does not match, and one from a future version, saying why', async () => {
    const bad = await inspectRdb([fs.readFileSync(fixturePath('invalid_chksum_v8.rdb'))]);
    assert.equal(bad.checksum, 'mismatch');
    assert.match(bad.problem!, /CRC-64 checksum does not match/);
    const future = await inspectRdb([fs.readFileSync(fixturePath('future_v19.rdb'))]);
    assert.match(future.problem!, /RDB version \d+ is not one this reader knows \(1 to 12\)/);
    assert.deepEqual(future.keysPerDb, {});
    assert.throws(
      () => new RdbParser().push(fs.readFileSync(fixturePath('future_v19.rdb'))),
      /refusing rather than misreading/,
    );
  });

  it('refuses an opcode it does not know rather than guessing past it', async () => {
    const enterprise = await inspectRdb([fs.readFileSync(fixturePath('redis_ent_opcode_ram_lru.rdb'))]);
    assert.match(enterprise.problem!, /unknown value type or opcode 107/);
  });

  it('reports a file cut short, wherever it is cut', () => {
    const data = fs.readFileSync(fixturePath('stream_v11.rdb'));
    for (let cut = 0; cut < data.length - 8; cut += 7) {
      const parser = new RdbParser();
      assert.throws(() => {
        parser.push(data.subarray(0, cut));
        parser.finish();
      }, /truncated|RDB header/);
    }
  });

  it('counts keys per database and per type, and the library count, in one pass', async () => {
    const inspection = await inspectRdb([fs.readFileSync(fixturePath('function2.rdb'))], { deep: true });
    assert.equal(inspection.problem, null);
    assert.equal(inspection.functions, 2);
    assert.deepEqual(inspection.keysPerDb, { 0: 10 });
    const multi = await inspectRdb([fs.readFileSync(fixturePath('multiple_dbs.rdb'))]);
    assert.deepEqual(multi.keysPerDb, { 0: 1, 1: 1, 2: 1 });
  });

  it('counts keys holding an empty collection apart, as Redis skips them on load, and reads on past them', async () => {
    const keys = [
      stringKey('before', 'kept'),
      ...emptyCollectionKeys(),
      ...moreEmptyCollectionKeys(),
      stringKey('after', 'kept'),
    ];
    const file = rdbWithKeys(keys);
    const inspection = await inspectRdb([file], { deep: true });
    assert.equal(inspection.problem, null);
    assert.equal(inspection.emptyKeys, 12);
    assert.deepEqual(inspection.keysPerDb, { 0: 2 });
    assert.deepEqual(inspection.keysPerType, { string: 2 });
    assert.deepEqual(inspection.typeCodes, [TYPE.STRING]);
    // The same, a byte at a time: the small packed values are judged whatever the chunking.
    const parser = new RdbParser({ captureLimit: 0 });
    const events: RdbEvent[] = [];
    for (let i = 0; i < file.length; i++) events.push(...parser.push(file.subarray(i, i + 1)));
    events.push(...parser.finish());
    const empties = events.filter((e) => e.kind === 'key' && e.record.empty);
    assert.equal(empties.length, 12);
  });

  it('does not call a collection empty when one of its nodes is, or when it holds one element', async () => {
    const oneMember = Buffer.from([9, 0, 0, 0, 1, 0, 0x01, 0x01, 0xff]); // a listpack holding the integer 1
    const file = rdbWithKeys([
      keyEntry(TYPE.SET, 'one', Buffer.concat([rdbLength(1), rdbString('m')])),
      keyEntry(TYPE.SET_LISTPACK, 'lp', rdbString(oneMember)),
      keyEntry(
        TYPE.LIST_QUICKLIST_2,
        'ql',
        Buffer.concat([
          rdbLength(2),
          rdbLength(2),
          rdbString(emptyListpack()),
          rdbLength(2),
          rdbString(oneMember),
        ]),
      ),
    ]);
    const inspection = await inspectRdb([file], { deep: true });
    assert.equal(inspection.problem, null);
    assert.equal(inspection.emptyKeys, 0);
    assert.deepEqual(inspection.keysPerDb, { 0: 3 });
  });

  it('reports what Redis refuses to load: an empty intset or zipmap, a NaN score, an empty stream node', async () => {
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(NaN, 0);
    const streamNode = Buffer.concat([rdbLength(1), rdbString(Buffer.alloc(16)), rdbString(emptyListpack())]);
    const cases: [Buffer, RegExp][] = [
      [
        keyEntry(TYPE.SET_INTSET, 's', rdbString(emptyIntset())),
        /an empty intset .*which Redis refuses to load/,
      ],
      [keyEntry(TYPE.HASH_ZIPMAP, 'h', rdbString(Buffer.from([0, 0xff]))), /an empty zipmap/],
      [keyEntry(TYPE.ZSET_2, 'z', Buffer.concat([rdbLength(1), rdbString('m'), nan])), /score is NaN/],
      [
        keyEntry(TYPE.ZSET, 'z', Buffer.concat([rdbLength(1), rdbString('m'), Buffer.from([253])])),
        /score is NaN/,
      ],
      [keyEntry(TYPE.STREAM_LISTPACKS, 'x', streamNode), /an empty listpack inside a stream/],
      [
        keyEntry(TYPE.LIST_QUICKLIST_2, 'l', Buffer.concat([rdbLength(1), rdbLength(1), rdbString('')])),
        /a list node of no bytes/,
      ],
    ];
    for (const [key, problem] of cases) {
      const inspection = await inspectRdb([rdbWithKeys([key])]);
      assert.match(inspection.problem ?? 'no problem', problem);
    }
  });
});

describe("the RDB reader on Valkey 9's own format (VALKEY080)", () => {
  const str = (text: string) => Buffer.concat([Buffer.from([text.length]), Buffer.from(text)]);
  const ms = (value: number) => {
    const out = Buffer.alloc(8);
    out.writeBigInt64LE(BigInt(value));
    return out;
  };
  const withTrailer = (header: string, body: Buffer) => {
    const withoutCrc = Buffer.concat([Buffer.from(header), body, Buffer.from([0xff])]);
    return Buffer.concat([withoutCrc, crc64(withoutCrc).digest()]);
  };
  const EXPIRES = Date.UTC(2030, 0, 1);
  // What rdb.c writes: a slot import in progress (cluster nodes), then a hash with field expiry (type 22):
  // field, value and each field's expiry, -1 for a field without one.
  const body = Buffer.concat([
    Buffer.from([0xfa]),
    str('valkey-ver'),
    str('9.1.2'),
    Buffer.from([0xf3]),
    str('a'.repeat(40)),
    Buffer.from([0x01, 0x00, 0x40, 0x64]),
    Buffer.from([0xfe, 0x00, 0xfb, 0x02, 0x00]),
    Buffer.from([22]),
    str('h'),
    Buffer.from([0x03]),
    str('f1'),
    str('v1'),
    ms(EXPIRES),
    str('f2'),
    str('v2'),
    ms(-1),
    str('f3'),
    Buffer.from([0xc0, 0x07]),
    ms(EXPIRES + 1),
    Buffer.from([0x00]),
    str('s'),
    str('plain'),
  ]);
  const file = withTrailer('VALKEY080', body);

  it('reads hashes with field expiry and passes over slot imports, however the bytes arrive', async () => {
    const expected = [
      { field: 'f1', value: 'v1', expireAtMs: EXPIRES },
      { field: 'f2', value: 'v2', expireAtMs: null },
      { field: 'f3', value: '7', expireAtMs: EXPIRES + 1 },
    ];
    for (const chunks of [[file], [...file].map((b) => Buffer.from([b])), randomSplits(file, 5)]) {
      const parser = new RdbParser();
      const keys = [...chunks.flatMap((c) => parser.push(c)), ...parser.finish()].flatMap((e) =>
        e.kind === 'key' ? [e.record] : [],
      );
      assert.deepEqual(
        keys.map((k) => [k.key.toString(), k.type]),
        [
          ['h', 22],
          ['s', 0],
        ],
      );
      const hash = decodeValue(22, keys[0]!.value!, 'VALKEY');
      assert.equal(hash.kind, 'hash');
      assert.deepEqual(
        hash.kind === 'hash'
          ? hash.fields.map((f) => ({ field: text(f.field), value: text(f.value), expireAtMs: f.expireAtMs }))
          : null,
        expected,
      );
    }
    const inspection = await inspectRdb([file], { deep: true });
    assert.equal(inspection.problem, null);
    assert.deepEqual(inspection.keysPerType, { 'hash-2': 1, string: 1 });
  });

  it('gives 22 and 243 their Redis meanings under a REDIS header, and refuses Valkey formats it does not know', async () => {
    const asRedis = await inspectRdb([withTrailer('REDIS0012', body)]);
    assert.match(asRedis.problem!, /unknown opcode 243/);
    const newer = await inspectRdb([withTrailer('VALKEY081', body)]);
    assert.match(newer.problem!, /VALKEY RDB version 81 is not one this reader knows/);
  });
});
