import fs from 'node:fs';
import type { RestoreSource } from '../../src/engine/restore/restore-engine.ts';
import { fetchRdb } from '../../src/engine/replication/replication-client.ts';

/** Takes a snapshot of a server into a file with the backup engine, as a backup would. */
export async function snapshotToFile(port: number, file: string): Promise<void> {
  const sink = fs.createWriteStream(file);
  const { summary } = await fetchRdb({
    endpoint: { host: '127.0.0.1', port, db: 0, username: null, password: null, tls: false },
    sink,
  });
  await new Promise<void>((resolve, reject) =>
    sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  if (summary.problem) throw new Error(summary.problem);
}

/** A file as restore reads it. */
export function fileSource(file: string): RestoreSource {
  return {
    sizeBytes: fs.statSync(file).size,
    open: async () => fs.createReadStream(file, { highWaterMark: 1024 * 1024 }),
    openRange: async (start, end) => fs.createReadStream(file, { start, end: end - 1 }),
  };
}
