/**
 * Restore into a Redis Cluster: a 3-master cluster is filled (800-byte values) and each master's RDB taken with
 * `redis-cli --rdb`; those shard files are then restored into a second 3-master cluster by our routed restore
 * (every key to the master of its slot, one pipeline per master), alternating with the baseline: the same
 * RESTOREs pre-generated per owning master and sent by one `redis-cli --pipe` per master, all at once.
 *
 *   npm run bench:restore -- --cluster 3 [--size 1000] [--rounds 1]
 *
 * Our time includes the pre-flight (each master probed, each file's structure and CRC-64 read, keys counted by
 * slot) and the confirm phase; the write phase alone is reported too.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keySlot } from '../src/core/key-slot.ts';
import { readClusterShards } from '../src/engine/cluster-discovery.ts';
import { readRdb } from '../src/engine/rdb/rdb-reader.ts';
import { restoreRouted } from '../src/engine/restore/cluster-restore.ts';
import { dumpPayload } from '../src/engine/restore/dump-payload.ts';
import { encodeBinaryCommand } from '../src/engine/restore/resp-command.ts';
import { RespConnection } from '../src/engine/resp/resp-connection.ts';
import { fileSource } from '../test/support/rdb-files.ts';
import { startRedisCluster, totalKeys } from '../test/support/redis-cluster.ts';
import { command } from '../test/support/redis-inspect.ts';
import { localEndpoint } from '../test/support/replica-pair.ts';
import { fillCluster, median, redisCliRdb, seconds } from './backup-cluster.ts';

interface Master {
  port: number;
  slots: (readonly [number, number])[];
}

async function mastersOf(port: number): Promise<Master[]> {
  const connection = await RespConnection.open(localEndpoint(port), 10_000);
  try {
    const shards = await readClusterShards(connection, localEndpoint(port));
    return shards.map((shard) => ({ port: shard.master.port, slots: [...shard.slots] }));
  } finally {
    connection.close();
  }
}

/** The RESTOREs our restore sends, written once per owning master of the target. */
async function writeCommandsByOwner(files: string[], masters: Master[], dir: string): Promise<string[]> {
  const owner = new Int32Array(16384);
  masters.forEach((master, index) => master.slots.forEach(([a, b]) => owner.fill(index, a, b + 1)));
  const outputs = masters.map((_, index) => path.join(dir, `commands-${index}.resp`));
  const handles = outputs.map((file) => fs.openSync(file, 'w'));
  for (const rdb of files) {
    let version = 0;
    for await (const events of readRdb(fs.createReadStream(rdb, { highWaterMark: 1024 * 1024 }))) {
      const batches: Buffer[][] = masters.map(() => []);
      for (const event of events) {
        if (event.kind === 'header') version = event.version;
        if (event.kind !== 'key') continue;
        const { record } = event;
        const args = [
          'RESTORE',
          record.key,
          record.expireAtMs ?? 0,
          dumpPayload(record.type, record.value!, version),
        ];
        args.push('REPLACE');
        if (record.expireAtMs !== null) args.push('ABSTTL');
        batches[owner[keySlot(record.key)]!]!.push(encodeBinaryCommand(args));
      }
      batches.forEach(
        (batch, index) => batch.length > 0 && fs.writeSync(handles[index]!, Buffer.concat(batch)),
      );
    }
  }
  handles.forEach((handle) => fs.closeSync(handle));
  return outputs;
}

/** One `redis-cli --pipe` of a command file; fails unless every reply was accepted. */
export function redisCliPipe(port: number, commands: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), '--pipe'], {
      stdio: [fs.openSync(commands, 'r'), 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // 'close', not 'exit': the summary line may still be in the pipe when the process has exited.
    child.on('close', (code) =>
      code === 0 && /errors: 0/.test(output) ? resolve() : reject(new Error(`redis-cli --pipe: ${output}`)),
    );
  });
}

export async function runClusterRestoreBench(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string', default: '3' },
      size: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '1' },
    },
  });
  const count = Number(args.cluster);
  const size = Number(args.size);
  const rounds = Number(args.rounds);
  if (!(count >= 3) || !(size > 0) || !(rounds >= 1)) {
    throw new Error('--cluster needs at least 3 masters, --size MB > 0 and --rounds >= 1');
  }
  console.log(
    `node ${process.version}, ${os.cpus().length} cores; restore into a ${count}-master cluster, ~${size} MB, ${rounds} round(s)`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-cluster-restore-'));
  const [source, target] = await Promise.all([startRedisCluster(count, 0), startRedisCluster(count, 0)]);
  try {
    await fillCluster(source.nodes[0]!.port, size);
    const sourcePorts = await source.masterPorts();
    const files = sourcePorts.map((port) => path.join(dir, `shard-${port}.rdb`));
    await Promise.all(sourcePorts.map((port, i) => redisCliRdb(port, files[i]!)));
    const bytes = files.reduce((sum, file) => sum + fs.statSync(file).size, 0);
    const keys = await totalKeys(sourcePorts);
    const masters = await mastersOf(target.nodes[0]!.port);
    const commands = await writeCommandsByOwner(files, masters, dir);
    const flushAll = () => Promise.all(masters.map((master) => command(master.port, 'FLUSHALL')));
    const baseline: number[] = [];
    const ours: number[] = [];
    const writing: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await flushAll();
      baseline.push(
        await seconds(() => Promise.all(masters.map((master, i) => redisCliPipe(master.port, commands[i]!)))),
      );
      await flushAll();
      let writeStart = process.hrtime.bigint();
      ours.push(
        await seconds(async () => {
          const report = await restoreRouted({
            targets: masters.map((master) => ({ endpoint: localEndpoint(master.port), slots: master.slots })),
            sources: files.map((file) => fileSource(file)),
            now: Date.now,
            onStart: () => {
              writeStart = process.hrtime.bigint();
            },
          });
          const restored = report.destinations.reduce((sum, d) => sum + d.keys, 0);
          if (restored !== keys) throw new Error(`restored ${restored} keys of ${keys}`);
        }),
      );
      writing.push(Number(process.hrtime.bigint() - writeStart) / 1e9);
      if ((await totalKeys(masters.map((m) => m.port))) !== keys) throw new Error('the target lost keys');
      console.log(
        `  round ${round + 1}: redis-cli --pipe per master ${baseline.at(-1)!.toFixed(2)} s, ours ${ours.at(-1)!.toFixed(2)} s (writing ${writing.at(-1)!.toFixed(2)} s)`,
      );
    }
    const mb = bytes / 1e6;
    const rss = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
    console.log(
      `\nsummary\n${keys} keys, RDB ${mb.toFixed(0)} MB over ${count} shards into ${masters.length} masters: ` +
        `redis-cli --pipe per master median ${median(baseline).toFixed(2)} s (${(mb / median(baseline)).toFixed(0)} MB/s), ` +
        `ours ${median(ours).toFixed(2)} s (${(mb / median(ours)).toFixed(0)} MB/s; writing ${median(writing).toFixed(2)} s)\n` +
        `ratio throughput ours/redis-cli ${(median(baseline) / median(ours)).toFixed(3)} ` +
        `(writing only ${(median(baseline) / median(writing)).toFixed(3)})\n` +
        `bench process peak RSS ${rss.toFixed(0)} MB`,
    );
  } finally {
    await Promise.all([source.stop(), target.stop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
