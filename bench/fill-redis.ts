import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Fills a server with roughly `megabytes` of RDB: 800-byte values that LZF cannot compress, as redis-benchmark
 * writes them (~820 B per key on disk, ~63 % unique keys).
 */
export async function fillWithBenchmarkData(port: number, megabytes: number): Promise<void> {
  const requests = Math.round((megabytes * 1_000_000) / 520);
  await run(
    'redis-benchmark',
    [
      '-p',
      String(port),
      '-t',
      'set',
      '-n',
      String(requests),
      '-r',
      String(requests),
      '-d',
      '800',
      '-P',
      '64',
      '-q',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
}
