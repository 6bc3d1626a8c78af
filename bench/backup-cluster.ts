/**
 * Cluster backup benchmark: builds a local Redis Cluster of N masters (no replicas, so every shard is read from
 * its master, as redis-cli would), fills it with ~size MB of RDB in total, then times in the same run, per
 * round: redis-cli --rdb on each master one after another, the same in parallel, and our cluster backup of the
 * whole cluster (shards DCS_CLUSTER_SHARD_CONCURRENCY at once, default 2). Reports the ratios and the
 * service's peak RSS against the goal of 150 MB + 50 MB per shard in flight.
 *
 *   npm run bench:backup -- --cluster 3 [--size 1000] [--rounds 1] [--cpu-prof DIR]
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { startRedisCluster } from '../test/support/redis-cluster.ts';
import { startServiceProcess, type ServiceProcess } from '../test/support/service-process.ts';
import { credentialsFor } from './bench-auth.ts';

const run = promisify(execFile);

/** Shards one backup syncs at once: the service's default, unless the environment says otherwise. */
const SHARDS_IN_FLIGHT = Number(process.env.DCS_CLUSTER_SHARD_CONCURRENCY ?? 2);

export function redisCliRdb(port: number, file: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), '--rdb', file], { stdio: 'ignore' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli exited ${code}`))));
  });
}

export async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** One cluster backup through the API, to its end; the record is deleted afterwards. */
async function ourBackup(service: ServiceProcess, instanceId: string, token: string): Promise<number> {
  const base = `${service.url}/v2/bench/instances/${instanceId}/backups`;
  const headers = { 'x-auth-token': token };
  const { backup_id: id } = (await (await fetch(base, { method: 'POST', headers })).json()) as {
    backup_id: string;
  };
  for (;;) {
    const detail = (await (await fetch(`${base}/${id}`, { headers })).json()) as {
      status: string;
      size: number;
      error_message: string;
    };
    if (detail.status === 'succeed') {
      await fetch(`${base}/${id}`, { method: 'DELETE', headers });
      return detail.size;
    }
    if (detail.status === 'failed') throw new Error(`backup failed: ${detail.error_message}`);
    await sleep(20);
  }
}

/** Fills the cluster through redis-benchmark's cluster mode: 800-byte values LZF cannot compress. */
export async function fillCluster(port: number, megabytes: number): Promise<void> {
  const requests = String(Math.round((megabytes * 1_000_000) / 520));
  await run(
    'redis-benchmark',
    [
      '--cluster',
      '-p',
      String(port),
      '-t',
      'set',
      '-n',
      requests,
      '-r',
      requests,
      '-d',
      '800',
      '-P',
      '64',
      '-q',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
}

const peakRssMb = (pid: number) =>
  Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runClusterBench(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string', default: '3' },
      size: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '1' },
      'cpu-prof': { type: 'string' },
    },
  });
  const masters = Number(args.cluster);
  const size = Number(args.size);
  const rounds = Number(args.rounds);
  if (!(masters >= 3) || !(size > 0) || !(rounds >= 1)) {
    throw new Error('--cluster needs at least 3 masters, --size MB > 0 and --rounds >= 1');
  }
  console.log(
    `node ${process.version}, ${os.cpus().length} cores; ${masters}-master cluster, ~${size} MB in total, ` +
      `${rounds} round(s), ${SHARDS_IN_FLIGHT} shard(s) in flight`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-cluster-'));
  // Started side by side (each takes seconds); whichever started is stopped when the other did not.
  const [started, built] = await Promise.allSettled([
    startServiceProcess(
      ['--data-dir', path.join(dir, 'data')],
      {},
      args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [],
    ),
    startRedisCluster(masters, 0),
  ]);
  if (started.status === 'rejected' || built.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (built.status === 'fulfilled') await built.value.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw started.status === 'rejected' ? started.reason : (built as PromiseRejectedResult).reason;
  }
  const service = started.value;
  const cluster = built.value;
  try {
    const ports = cluster.nodes.map((node) => node.port);
    await fillCluster(ports[0]!, size);
    const { token } = await credentialsFor(service.url, path.join(dir, 'data'));
    // Through the API rather than the CLI: one Node process fewer to start on a busy machine.
    const attached = await fetch(`${service.url}/admin/v1/instances`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: JSON.stringify({
        project_id: 'bench',
        name: 'bench-cluster',
        url: `redis://127.0.0.1:${ports[0]}`,
        type: 'cluster',
      }),
    });
    if (attached.status !== 201) throw new Error(`attach failed: ${await attached.text()}`);
    const { instance_id: instanceId } = (await attached.json()) as { instance_id: string };
    const sequential: number[] = [];
    const parallel: number[] = [];
    const ours: number[] = [];
    let bytes = 0;
    const file = (port: number) => path.join(dir, `redis-cli-${port}.rdb`);
    const removeFiles = () => ports.forEach((port) => fs.rmSync(file(port), { force: true }));
    for (let round = 0; round < rounds; round++) {
      sequential.push(
        await seconds(async () => {
          for (const port of ports) await redisCliRdb(port, file(port));
        }),
      );
      removeFiles();
      parallel.push(await seconds(() => Promise.all(ports.map((port) => redisCliRdb(port, file(port))))));
      removeFiles();
      ours.push(await seconds(async () => (bytes = await ourBackup(service, instanceId, token))));
      console.log(
        `  round ${round + 1}: redis-cli one after another ${sequential.at(-1)!.toFixed(2)} s, ` +
          `in parallel ${parallel.at(-1)!.toFixed(2)} s, ours ${ours.at(-1)!.toFixed(2)} s`,
      );
    }
    const rss = peakRssMb(service.pid);
    const goal = 150 + 50 * SHARDS_IN_FLIGHT;
    const mb = bytes / 1e6;
    console.log(
      `\nsummary\n${masters}-master cluster, RDB ${mb.toFixed(0)} MB over ${masters} shards: ` +
        `redis-cli one after another median ${median(sequential).toFixed(2)} s (${(mb / median(sequential)).toFixed(0)} MB/s), ` +
        `in parallel ${median(parallel).toFixed(2)} s (${(mb / median(parallel)).toFixed(0)} MB/s), ` +
        `ours ${median(ours).toFixed(2)} s (${(mb / median(ours)).toFixed(0)} MB/s)\n` +
        `ratio ours/sequential ${(median(ours) / median(sequential)).toFixed(3)}, ` +
        `ratio ours/parallel ${(median(ours) / median(parallel)).toFixed(3)}\n` +
        `service peak RSS ${rss.toFixed(0)} MB (goal <= ${goal} MB: 150 + 50 per shard in flight)`,
    );
  } finally {
    await service.stop();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
