import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { convertRdbToAof, RdbToAofConverter } from '../../src/engine/aof/rdb-to-aof.ts';
import { fixturePath, fixturesAvailable } from '../support/fixtures.ts';
import { differencesFromOracle, loadOracle, MODULE_FIXTURES, ORACLES } from '../support/fixture-oracle.ts';
import { contentOf, openSession } from '../support/logical-content.ts';
import { pipeFile } from '../support/redis-pipe.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** Redis 7.0's own RDB version: the commands the converter may use for the server on this machine. */
const REDIS_70 = 10;
const NOW = Date.UTC(2026, 0, 1);

async function convertFile(rdb: string, aof: string): Promise<RdbToAofConverter> {
  const converter = new RdbToAofConverter({ now: () => NOW, targetRdbVersion: REDIS_70 });
  await pipeline(
    Readable.from(convertRdbToAof(fs.createReadStream(rdb, { highWaterMark: 61 }), converter)),
    fs.createWriteStream(aof),
  );
  return converter;
}

describe(
  'RDB → AOF converter on the shared fixtures, loaded by redis-cli --pipe into Redis 7.0',
  { skip: !fixturesAvailable() },
  () => {
    let server: RedisServer;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-aof-'));
    before(async () => (server = await startRedisServer()));
    after(async () => {
      await server?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const [rdb, oracleName] of ORACLES.filter(([name]) => !MODULE_FIXTURES.has(name))) {
      it(`${rdb}: content equals ${oracleName}`, async () => {
        const session = await openSession(server.port);
        await session.call('FLUSHALL');
        await session.call('FUNCTION', 'FLUSH');
        session.close();
        const aof = path.join(dir, `${rdb}.aof`);
        const converter = await convertFile(fixturePath(rdb), aof);
        if (fs.statSync(aof).size > 0) await pipeFile(server.port, aof);
        const live = await contentOf(server.port, { fieldExpiry: false });
        assert.deepEqual(differencesFromOracle(live, loadOracle(oracleName)), []);
        const keys = Object.values(converter.summary.keysPerDb).reduce((a, b) => a + b, 0);
        assert.equal(keys, live.keys.size);
      });
    }

    it('refuses module data, naming the key', async () => {
      await assert.rejects(convertFile(fixturePath('module.rdb'), path.join(dir, 'm.aof')), /module/);
    });

    it('fails a file whose checksum does not match, after the bytes ran through', async () => {
      await assert.rejects(
        convertFile(fixturePath('invalid_chksum_v8.rdb'), path.join(dir, 'c.aof')),
        /checksum/,
      );
    });

    it('fails a truncated file and one that is not an RDB', async () => {
      const whole = fs.readFileSync(fixturePath('stream_v11.rdb'));
      const cut = path.join(dir, 'cut.rdb');
      fs.writeFileSync(cut, whole.subarray(0, whole.length - 20));
      await assert.rejects(convertFile(cut, path.join(dir, 'cut.aof')), /truncated/);
      const text = path.join(dir, 'text.rdb');
      fs.writeFileSync(text, 'SET a b\r\n');
      await assert.rejects(convertFile(text, path.join(dir, 'text.aof')), /RDB|header/i);
    });
  },
);
