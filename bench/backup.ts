/**
 * Backup benchmark: fills a local redis-server, then times `redis-cli --rdb` and our backup of the same
 * instance, alternating, over several rounds, and reads the service's peak RSS (VmHWM) per dataset size.
 *
 *   npm run bench:backup -- [--sizes 200,1000] [--rounds 3] [--blob local|s3|both] [--format rdb|aof]
 *                           [--cpu-prof DIR]   (the service writes a V8 CPU profile there when it stops)
 *   npm run bench:backup -- --cluster 3 [--size 1000] [--rounds 1]     (bench/backup-cluster.ts)
 *
 * --blob s3 keeps the backups in a bucket of an in-process s3rver (sharing the cores with everything else);
 * both runs the local directory and the bucket one after the other for each size and prints their ratio.
 * --format aof also takes an AOF-format backup in each round (the RDB converted on the way), timed against the
 * RDB backup and redis-cli --rdb of the same round; the peak RSS is then the service's over both formats.
 *
 * Each size also prints the service's CPU time per RDB backup (user + system from /proc, including the API
 * requests that poll it): under load it moves far less than wall time.
 *
 * Sizes are approximate RDB sizes in MB (800-byte values that LZF cannot compress, as redis-benchmark writes).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startRedisServer } from '../test/support/redis-server.ts';
import { credentialsFor } from './bench-auth.ts';
import { fillWithBenchmarkData } from './fill-redis.ts';
import { runCli, startServiceProcess, type ServiceProcess } from '../test/support/service-process.ts';
import { startS3Server, type S3Server } from '../test/support/s3-server.ts';

// A cluster's backup has its own benchmark and options.
if (process.argv.includes('--cluster')) {
  const { runClusterBench } = await import('./backup-cluster.ts');
  await runClusterBench(process.argv.slice(2));
  process.exit(0);
}

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200,1000' },
    rounds: { type: 'string', default: '3' },
    blob: { type: 'string', default: 'local' },
    format: { type: 'string', default: 'rdb' },
    'cpu-prof': { type: 'string' },
  },
});
const PROFILE = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [];
if (!['rdb', 'aof'].includes(args.format)) throw new Error('--format must be rdb or aof');
const WITH_AOF = args.format === 'aof';
if (!['local', 's3', 'both'].includes(args.blob)) throw new Error('--blob must be local, s3 or both');
const BLOBS = args.blob === 'both' ? ['local', 's3'] : [args.blob];
const SIZES = args.sizes.split(',').map(Number);
const ROUNDS = Number(args.rounds);

async function timeRedisCli(port: number, file: string): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), '--rdb', file], { stdio: 'ignore' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli exited ${code}`))));
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function timeOurs(
  service: ServiceProcess,
  instanceId: string,
  token: string,
  format: 'rdb' | 'aof' = 'rdb',
): Promise<{ seconds: number; size: number }> {
  const base = `${service.url}/v2/bench/instances/${instanceId}/backups`;
  const headers = { 'x-auth-token': token };
  const started = process.hrtime.bigint();
  const body = JSON.stringify({ backup_format: format });
  const post = { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body };
  const { backup_id: id } = (await (await fetch(base, post)).json()) as {
    backup_id: string;
  };
  for (;;) {
    const detail = (await (await fetch(`${base}/${id}`, { headers })).json()) as {
      status: string;
      size: number;
      error_message: string;
    };
    if (detail.status === 'succeed') {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await fetch(`${base}/${id}`, { method: 'DELETE', headers });
      return { seconds, size: detail.size };
    }
    if (detail.status === 'failed') throw new Error(`backup failed: ${detail.error_message}`);
    await sleep(20);
  }
}

/**
 * CPU time (user + system) the process used so far, from /proc (10 ms resolution). Less blurred by other work
 * on the machine than wall time: what a backup costs the service, whatever the load.
 */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`node ${process.version}, ${os.cpus().length} cores, ${ROUNDS} rounds per size, alternating`);
const summary: string[] = [];
for (const size of SIZES) {
  const medians = new Map<string, number>();
  for (const blob of BLOBS) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-bench-backup-'));
    const redis = await startRedisServer(['--repl-diskless-sync-delay', '0', '--maxmemory', '0']);
    const s3: S3Server | undefined = blob === 's3' ? await startS3Server() : undefined;
    const service = await startServiceProcess(
      ['--data-dir', path.join(dir, 'data')],
      s3?.env() ?? {},
      PROFILE,
    );
    try {
      await fillWithBenchmarkData(redis.port, size);
      const attached = await runCli(
        [
          '--endpoint',
          service.url,
          'instance',
          'attach',
          `redis://127.0.0.1:${redis.port}`,
          '--project',
          'bench',
          '--name',
          'bench',
        ],
        { DCS_DATA_DIR: path.join(dir, 'data') },
      );
      const instanceId = attached.stdout.trim();
      const { token } = await credentialsFor(service.url, path.join(dir, 'data'));
      const cli: number[] = [];
      const ours: number[] = [];
      const oursCpu: number[] = [];
      const aof: number[] = [];
      let bytes = 0;
      let aofBytes = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const file = path.join(dir, 'redis-cli.rdb');
        cli.push(await timeRedisCli(redis.port, file));
        fs.rmSync(file);
        const cpuBefore = cpuSeconds(service.pid);
        const result = await timeOurs(service, instanceId, token);
        oursCpu.push(cpuSeconds(service.pid) - cpuBefore);
        ours.push(result.seconds);
        bytes = result.size;
        if (WITH_AOF) {
          const converted = await timeOurs(service, instanceId, token, 'aof');
          aof.push(converted.seconds);
          aofBytes = converted.size;
        }
        console.log(
          `  ${size} MB ${blob} round ${round + 1}: redis-cli ${cli.at(-1)!.toFixed(2)} s, ours ${result.seconds.toFixed(2)} s` +
            (WITH_AOF ? `, ours aof ${aof.at(-1)!.toFixed(2)} s` : ''),
        );
      }
      const line =
        `${blob} store, dataset ~${size} MB (RDB ${(bytes / 1e6).toFixed(0)} MB): redis-cli median ${median(cli).toFixed(2)} s ` +
        `(${(bytes / 1e6 / median(cli)).toFixed(0)} MB/s), ours median ${median(ours).toFixed(2)} s ` +
        `(${(bytes / 1e6 / median(ours)).toFixed(0)} MB/s), ratio ours/redis-cli ${(median(ours) / median(cli)).toFixed(3)}, ` +
        (WITH_AOF
          ? `aof median ${median(aof).toFixed(2)} s (AOF ${(aofBytes / 1e6).toFixed(0)} MB), ratio aof/rdb ` +
            `${(median(aof) / median(ours)).toFixed(3)}, aof/redis-cli ${(median(aof) / median(cli)).toFixed(3)}, `
          : '') +
        `service CPU per backup median ${median(oursCpu).toFixed(2)} s (${((median(oursCpu) * 1000) / (bytes / 1e6)).toFixed(2)} ms/MB), ` +
        `service peak RSS ${peakRssMb(service.pid).toFixed(0)} MB`;
      console.log(line);
      summary.push(line);
      medians.set(blob, median(ours));
    } finally {
      await service.stop();
      await redis.stop();
      await s3?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (medians.size === 2) {
    const line = `dataset ~${size} MB: ratio s3/local ${(medians.get('s3')! / medians.get('local')!).toFixed(3)}`;
    console.log(line);
    summary.push(line);
  }
}
console.log(`\nsummary\n${summary.join('\n')}`);
