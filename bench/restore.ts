/**
 * Restore benchmark: backs up a ~1 GB local redis-server with the backup engine, then restores the file into a
 * second redis-server with our restore, alternating with `redis-cli --pipe` fed the same RESTORE commands
 * pre-generated to a file (the baseline), and reports keys/s, MB/s and the ratio.
 *
 *   npm run bench:restore -- [--size 1000] [--rounds 3] [--blob s3] [--window COMMANDS]
 *   npm run bench:restore -- --cluster 3 [--size 1000] [--rounds 1]     (bench/restore-cluster.ts)
 *
 * --blob s3 also restores the same file read from a bucket of an in-process s3rver, beside the local file.
 *
 * Our time includes everything a restore does before and while writing: probing the target, the pre-flight
 * read of the file, then the pipelined writes. Two variants: as the service runs it after a backup (the file's
 * structure was recorded when it was stored, so the pre-flight is one SHA-256 pass), and cold (no record: the
 * whole structure and CRC-64 walked first). The write phase alone is reported too.
 *
 * The replication fast path (the target loads the file as a replica of this process) has its own baseline: a
 * redis-server started on the same file (`--dir`, `--dbfilename`), timed from its start until it answers PING
 * instead of -LOADING: the target loading the RDB from its own disk.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { readRdb } from '../src/engine/rdb/rdb-reader.ts';
import { dumpPayload } from '../src/engine/restore/dump-payload.ts';
import { restoreRdb, type RestoreSource } from '../src/engine/restore/restore-engine.ts';
import { inspectRdb } from '../src/engine/rdb/rdb-inspector.ts';
import { encodeBinaryCommand } from '../src/engine/restore/resp-command.ts';
import { fileSource, snapshotToFile } from '../test/support/rdb-files.ts';
import { command } from '../test/support/redis-inspect.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { localEndpoint } from '../test/support/replica-pair.ts';
import { fillWithBenchmarkData } from './fill-redis.ts';
import { redisCliPipe } from './restore-cluster.ts';
import type { S3BlobStore } from '../src/blobs/s3-blob-store.ts';
import { startS3Server, type S3Server } from '../test/support/s3-server.ts';

// Restore into a cluster has its own benchmark and options.
if (process.argv.includes('--cluster')) {
  const { runClusterRestoreBench } = await import('./restore-cluster.ts');
  await runClusterRestoreBench(process.argv.slice(2));
  process.exit(0);
}

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    blob: { type: 'string', default: 'local' },
    // Commands in flight at most (bytes: 4 KiB per command): to compare pipeline windows on the same machine.
    window: { type: 'string' },
  },
});
if (!['local', 's3'].includes(args.blob)) throw new Error('--blob must be local or s3');
const SIZE = Number(args.size);
const ROUNDS = Number(args.rounds);
const WINDOW =
  args.window === undefined
    ? undefined
    : { commands: Number(args.window), bytes: Number(args.window) * 4096 };
const endpoint = localEndpoint;

/** The commands our restore sends, written once: SELECT per database, RESTORE … REPLACE [ABSTTL] per key. */
async function writeCommands(rdb: string, out: string, version: number): Promise<number> {
  const file = fs.openSync(out, 'w');
  let keys = 0;
  let db = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes > 0) fs.writeSync(file, Buffer.concat(pending));
    pending = [];
    pendingBytes = 0;
  };
  for await (const events of readRdb(fs.createReadStream(rdb, { highWaterMark: 1024 * 1024 }))) {
    for (const event of events) {
      if (event.kind !== 'key') continue;
      const { record } = event;
      if (record.db !== db) pending.push(encodeBinaryCommand(['SELECT', (db = record.db)]));
      const args = [
        'RESTORE',
        record.key,
        record.expireAtMs ?? 0,
        dumpPayload(record.type, record.value!, version),
        'REPLACE',
      ];
      if (record.expireAtMs !== null) args.push('ABSTTL');
      const bytes = encodeBinaryCommand(args);
      pending.push(bytes);
      pendingBytes += bytes.length;
      keys++;
      if (pendingBytes > 8 * 1024 * 1024) flush();
    }
  }
  flush();
  fs.closeSync(file);
  return keys;
}

async function timeRedisCliPipe(port: number, commands: string): Promise<number> {
  await command(port, 'FLUSHALL');
  const started = process.hrtime.bigint();
  await redisCliPipe(port, commands);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** A redis-server started on the file itself: from spawning it until it has loaded the file and answers PING. */
async function timeLocalLoad(rdb: string, keys: number): Promise<number> {
  const started = process.hrtime.bigint();
  const server = await startRedisServer([
    '--dir',
    path.dirname(rdb),
    '--dbfilename',
    path.basename(rdb),
    '--maxmemory',
    '0',
  ]);
  try {
    // The connection's own PING is answered -LOADING (and thrown) until the file is in.
    for (;;) {
      const reply = await command(server.port, 'PING').catch((error: Error) => {
        if (!/LOADING/.test(error.message)) throw error;
        return null;
      });
      if (reply && reply.type !== 'error') break;
      await sleep(2);
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const size = await command(server.port, 'DBSIZE');
    if (size.value !== keys)
      throw new Error(`the local load holds ${String(size.value)} keys, expected ${keys}`);
    return elapsed;
  } finally {
    await server.stop();
  }
}

async function timeOurs(
  port: number,
  rdb: string,
  known: RestoreSource['known'],
  fastPath = false,
  bucket?: S3BlobStore,
): Promise<{ total: number; writing: number; writingCpu: number; keys: number; method: string }> {
  await command(port, 'FLUSHALL');
  const started = process.hrtime.bigint();
  let writingFrom = started;
  let cpuFrom = process.cpuUsage();
  const report = await restoreRdb({
    target: endpoint(port),
    source: { ...(bucket ? bucketSource(bucket, rdb) : fileSource(rdb)), ...(known ? { known } : {}) },
    now: Date.now,
    ...(WINDOW ? { window: WINDOW } : {}),
    ...(fastPath ? { fastPath: {} } : {}),
    onStart: () => {
      writingFrom = process.hrtime.bigint();
      cpuFrom = process.cpuUsage();
    },
  });
  const ended = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuFrom);
  return {
    total: Number(ended - started) / 1e9,
    writing: Number(ended - writingFrom) / 1e9,
    // This process's CPU (user + system) during the writes: how much of a core the service itself needs.
    writingCpu: (cpu.user + cpu.system) / 1e6,
    keys: report.keysRestored + report.keysRelabelled + report.keysRewritten,
    method: report.method,
  };
}

/** The same file as an object of the bucket, read as the service reads it (GetObject, ranges to resume). */
function bucketSource(bucket: S3BlobStore, rdb: string): RestoreSource {
  const gone = () => {
    throw new Error('the benchmark object is gone');
  };
  return {
    sizeBytes: fs.statSync(rdb).size,
    open: async () => (await bucket.open(BENCH_KEY)) ?? gone(),
    openRange: async (start, end) => (await bucket.open(BENCH_KEY, { start, end })) ?? gone(),
  };
}
const BENCH_KEY = 'bench.rdb';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-restore-'));
const source = await startRedisServer(['--repl-diskless-sync-delay', '0', '--maxmemory', '0']);
const target = await startRedisServer(['--maxmemory', '0']);
let s3: S3Server | undefined;
let bucket: S3BlobStore | undefined;
try {
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, ~${SIZE} MB, ${ROUNDS} rounds, alternating`,
  );
  await fillWithBenchmarkData(source.port, SIZE);
  const rdb = path.join(dir, 'backup.rdb');
  await snapshotToFile(source.port, rdb);
  await source.stop();
  const header = Buffer.alloc(9);
  const fd = fs.openSync(rdb, 'r');
  fs.readSync(fd, header, 0, 9, 0);
  fs.closeSync(fd);
  const version = Number(header.subarray(5, 9).toString('latin1'));
  const commands = path.join(dir, 'restore.resp');
  const keys = await writeCommands(rdb, commands, version);
  const rdbMb = fs.statSync(rdb).size / 1e6;
  console.log(
    `RDB ${rdbMb.toFixed(0)} MB, ${keys} keys; commands file ${(fs.statSync(commands).size / 1e6).toFixed(0)} MB`,
  );
  // What the service records after a backup: the structure walk, and the file's SHA-256.
  const found = await inspectRdb(fs.createReadStream(rdb, { highWaterMark: 1 << 20 }), {
    deep: false,
    captureLimit: 0,
  });
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(rdb, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
  const known = {
    content: { ...found, usedMemory: Number(found.aux['used-mem']) },
    sha256: hash.digest('hex'),
  };
  if (args.blob === 's3') {
    s3 = await startS3Server();
    bucket = s3.store();
    const writer = await bucket.create(BENCH_KEY, { sizeHint: fs.statSync(rdb).size });
    for await (const chunk of fs.createReadStream(rdb, { highWaterMark: 1 << 20 })) {
      if (!writer.stream.write(chunk)) await new Promise((resolve) => writer.stream.once('drain', resolve));
    }
    await writer.commit();
  }
  const fromBucket: number[] = [];
  const pipe: number[] = [];
  const ours: number[] = [];
  const writing: number[] = [];
  const writingCpu: number[] = [];
  const cold: number[] = [];
  const fast: number[] = [];
  const fastWriting: number[] = [];
  const local: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    pipe.push(await timeRedisCliPipe(target.port, commands));
    const result = await timeOurs(target.port, rdb, known);
    const coldResult = await timeOurs(target.port, rdb, undefined);
    const fastResult = await timeOurs(target.port, rdb, known, true);
    if (fastResult.method !== 'replication') throw new Error('the fast path was not taken');
    fast.push(fastResult.total);
    fastWriting.push(fastResult.writing);
    local.push(await timeLocalLoad(rdb, keys));
    if (bucket) {
      const bucketResult = await timeOurs(target.port, rdb, known, false, bucket);
      if (bucketResult.keys !== keys)
        throw new Error(`restored ${bucketResult.keys} keys from S3, expected ${keys}`);
      fromBucket.push(bucketResult.total);
      console.log(`  round ${round + 1}: ours from the s3rver bucket ${bucketResult.total.toFixed(2)} s`);
    }
    for (const r of [result, coldResult, fastResult]) {
      if (r.keys !== keys) throw new Error(`restored ${r.keys} keys, expected ${keys}`);
    }
    ours.push(result.total);
    writing.push(result.writing);
    writingCpu.push(result.writingCpu);
    cold.push(coldResult.total);
    console.log(
      `  round ${round + 1}: redis-cli --pipe ${pipe.at(-1)!.toFixed(2)} s, ours ${result.total.toFixed(2)} s ` +
        `(writing ${result.writing.toFixed(2)} s, our CPU ${result.writingCpu.toFixed(2)} s), ours cold ${coldResult.total.toFixed(2)} s, ` +
        `fast path ${fastResult.total.toFixed(2)} s (transfer and load ${fastResult.writing.toFixed(2)} s), ` +
        `local load ${local.at(-1)!.toFixed(2)} s`,
    );
  }
  const rate = (seconds: number) =>
    `${Math.round(keys / seconds)} keys/s, ${(rdbMb / seconds).toFixed(0)} MB/s`;
  const ratio = (seconds: number[]) => (median(pipe) / median(seconds)).toFixed(3);
  console.log(`redis-cli --pipe median ${median(pipe).toFixed(2)} s (${rate(median(pipe))})`);
  console.log(
    `ours median ${median(ours).toFixed(2)} s (${rate(median(ours))}), rate ratio ours/redis-cli ${ratio(ours)}`,
  );
  console.log(
    `  write phase alone ${median(writing).toFixed(2)} s (${rate(median(writing))}), ratio ${ratio(writing)}; ` +
      `our CPU in it ${median(writingCpu).toFixed(2)} s (${((median(writingCpu) / median(writing)) * 100).toFixed(0)} % of a core)`,
  );
  console.log(
    `ours cold (no recorded structure) ${median(cold).toFixed(2)} s (${rate(median(cold))}), ratio ${ratio(cold)}`,
  );
  console.log(
    `replication fast path ${median(fast).toFixed(2)} s (${rate(median(fast))}), ratio ${ratio(fast)}; ` +
      `rate ratio to the local load ${(median(local) / median(fast)).toFixed(3)}`,
  );
  console.log(
    `  fast path transfer and load alone ${median(fastWriting).toFixed(2)} s, ` +
      `rate ratio to the local load ${(median(local) / median(fastWriting)).toFixed(3)}`,
  );
  console.log(
    `local load (redis-server started on the file) median ${median(local).toFixed(2)} s (${rate(median(local))})`,
  );
  if (fromBucket.length > 0) {
    console.log(
      `ours from S3 (s3rver) median ${median(fromBucket).toFixed(2)} s (${rate(median(fromBucket))}), ` +
        `ratio s3/local ${(median(fromBucket) / median(ours)).toFixed(3)}`,
    );
  }
  console.log(`bench process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  bucket?.close();
  await s3?.dispose();
  await source.stop();
  await target.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
