/**
 * AOF load benchmark: the same data set loaded into an empty Redis three ways, alternating over rounds: the
 * AOF our converter writes, sent with `redis-cli --pipe`; the same AOF through our RestoreInstance path for AOF
 * backups (restoreAof); and the RDB through the RDB restore path (restoreRdb, commands). Also times the
 * conversion itself.
 *
 *   node --import tsx bench/aof-load.ts [--size 100] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { convertRdbToAof, RdbToAofConverter } from '../src/engine/aof/rdb-to-aof.ts';
import { restoreAof } from '../src/engine/restore/restore-aof.ts';
import { restoreRdb } from '../src/engine/restore/restore-engine.ts';
import { fileSource, snapshotToFile } from '../test/support/rdb-files.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { localEndpoint } from '../test/support/replica-pair.ts';
import { fillWithBenchmarkData } from './fill-redis.ts';

const { values: args } = parseArgs({
  options: { size: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } },
});
const SIZE = Number(args.size);
const ROUNDS = Number(args.rounds);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function pipe(port: number, file: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), '--pipe'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    fs.createReadStream(file).pipe(child.stdin);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-cli --pipe exited ${code}`)),
    );
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-aof-'));
const source = await startRedisServer(['--repl-diskless-sync-delay', '0']);
const target = await startRedisServer();
try {
  await fillWithBenchmarkData(source.port, SIZE);
  const rdb = path.join(dir, 'dump.rdb');
  const aof = path.join(dir, 'appendonly.aof');
  await snapshotToFile(source.port, rdb);
  const convert = await timed(() =>
    pipeline(
      Readable.from(convertRdbToAof(fs.createReadStream(rdb), new RdbToAofConverter({ now: Date.now }))),
      fs.createWriteStream(aof),
    ),
  );
  console.log(
    `node ${process.version}, ${os.cpus().length} cores; RDB ${(fs.statSync(rdb).size / 1e6).toFixed(0)} MB, ` +
      `AOF ${(fs.statSync(aof).size / 1e6).toFixed(0)} MB, converted in ${convert.toFixed(2)} s`,
  );
  const times = { pipe: [] as number[], aof: [] as number[], rdb: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    times.pipe.push(
      await timed(async () => {
        await pipe(target.port, aof);
      }),
    );
    times.aof.push(
      await timed(() => restoreAof({ target: localEndpoint(target.port), source: fileSource(aof) })),
    );
    times.rdb.push(
      await timed(() =>
        restoreRdb({ target: localEndpoint(target.port), source: fileSource(rdb), now: Date.now }),
      ),
    );
    console.log(
      `  round ${round + 1}: redis-cli --pipe ${times.pipe.at(-1)!.toFixed(2)} s, restoreAof ${times.aof.at(-1)!.toFixed(2)} s, ` +
        `RDB restore ${times.rdb.at(-1)!.toFixed(2)} s`,
    );
  }
  console.log(
    `\nsummary\n~${SIZE} MB: redis-cli --pipe of our AOF median ${median(times.pipe).toFixed(2)} s, ` +
      `restoreAof ${median(times.aof).toFixed(2)} s, RDB restore (commands) ${median(times.rdb).toFixed(2)} s, ` +
      `ratio pipe/rdb-restore ${(median(times.pipe) / median(times.rdb)).toFixed(3)}`,
  );
} finally {
  await source.stop();
  await target.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
