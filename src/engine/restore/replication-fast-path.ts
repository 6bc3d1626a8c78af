import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisEndpoint } from '../../core/instance.ts';
import { authenticate } from '../resp/authenticate.ts';
import { RespConnection } from '../resp/resp-connection.ts';
import { infoField } from '../redis-probe.ts';
import type { RestoreSource } from './restore-types.ts';

/** The fast path does not apply to this target (it is a replica, has replicas, or refuses REPLICAOF). */
export class FastPathUnavailable extends Error {
  override name = 'FastPathUnavailable';
}

export interface FastPathOptions {
  target: RedisEndpoint;
  source: RestoreSource;
  /** The address the target connects to to reach this process. */
  advertiseHost: string;
  /** Where to listen; the advertised address by default. */
  bindHost?: string;
  /** How long the whole transfer and load may take before the target is released and the restore fails. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const POLL_MS = 100;

/**
 * Restores by replication: this process plays a master that has exactly the backup's data, the target is told
 * REPLICAOF it, loads the RDB with its own loader (every type, function and encoding, at its full speed), and
 * is then released with REPLICAOF NO ONE. Only for a standalone master without replicas of its own, whose RDB
 * version is at least the file's. Throws FastPathUnavailable when it does not apply, before the target changes.
 * What the target then holds is for the caller to confirm.
 */
export async function restoreByReplication(options: FastPathOptions): Promise<void> {
  const admin = await RespConnection.open(options.target, options.timeoutMs);
  const server = net.createServer();
  const replicas: net.Socket[] = [];
  server.on('connection', (socket) => replicas.push(socket));
  let released = true;
  try {
    await authenticate(admin, options.target);
    const replication = await admin.call('INFO', 'replication');
    const info = replication.type === 'bulk' ? replication.value : '';
    if (infoField(info, 'role') !== 'master') throw new FastPathUnavailable('the target is a replica');
    if (Number(infoField(info, 'connected_slaves') ?? 0) > 0) {
      throw new FastPathUnavailable('the target has replicas of its own, which would all resynchronise');
    }
    const served = serveOnce(server, options);
    const port = await listen(server, options.bindHost ?? options.advertiseHost);
    const reply = await admin.call('REPLICAOF', options.advertiseHost, String(port));
    if (reply.type === 'error') throw new FastPathUnavailable(`REPLICAOF refused: ${reply.value}`);
    released = false;
    const deadline = Date.now() + options.timeoutMs;
    // The transfer may fail on our side (file unreadable): that ends the wait at once.
    let transferFailure: Error | null = null;
    served.catch((error: Error) => (transferFailure = error));
    for (;;) {
      if (transferFailure) throw transferFailure;
      if (options.signal?.aborted) throw new Error('the restore was cancelled');
      if (Date.now() > deadline) throw new Error('the target did not finish loading the backup in time');
      const state = await admin.call('INFO', 'replication');
      const text = state.type === 'bulk' ? state.value : '';
      if (infoField(text, 'master_link_status') === 'up') break;
      await sleep(POLL_MS);
    }
    const release = await admin.call('REPLICAOF', 'NO', 'ONE');
    if (release.type === 'error') throw new Error(`REPLICAOF NO ONE refused: ${release.value}`);
    released = true;
  } finally {
    if (!released) await admin.call('REPLICAOF', 'NO', 'ONE').catch(() => undefined);
    admin.close();
    server.close();
    for (const socket of replicas) socket.destroy();
  }
}

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/**
 * Answers the first replica that connects the way a master does: +PONG, +OK to AUTH and REPLCONF, then to
 * PSYNC (or SYNC) a full resynchronisation carrying the backup file. The connection then stays open, as a
 * master's does, until the caller releases the target.
 */
function serveOnce(server: net.Server, options: FastPathOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      socket.on('error', reject);
      let pending = Buffer.alloc(0);
      let sending = false;
      socket.on('data', (chunk: Buffer) => {
        if (sending) return; // REPLCONF ACKs once the transfer started: nothing to answer
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const parsed = nextCommand(pending);
          if (!parsed) return;
          pending = pending.subarray(parsed.consumed);
          const name = parsed.args[0]?.toUpperCase();
          if (name === 'PING') socket.write('+PONG\r\n');
          else if (name === 'PSYNC' || name === 'SYNC') {
            sending = true;
            const head = name === 'PSYNC' ? `+FULLRESYNC ${randomBytes(20).toString('hex')} 0\r\n` : '';
            socket.write(`${head}$${options.source.sizeBytes}\r\n`);
            options.source
              .open()
              .then((file) => {
                file.on('error', reject);
                file.on('end', () => resolve());
                file.pipe(socket, { end: false });
              })
              .catch(reject);
            return;
          } else socket.write('+OK\r\n');
        }
      });
    });
  });
}

/** One command from a replica: a RESP array of bulk strings, or an inline command line. */
function nextCommand(buf: Buffer): { args: string[]; consumed: number } | null {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return null;
  if (buf[0] !== 0x2a) return { args: buf.toString('latin1', 0, eol).trim().split(/\s+/), consumed: eol + 2 };
  const count = Number(buf.toString('latin1', 1, eol));
  const args: string[] = [];
  let p = eol + 2;
  for (let i = 0; i < count; i++) {
    const lineEnd = buf.indexOf('\r\n', p);
    if (lineEnd < 0) return null;
    const length = Number(buf.toString('latin1', p + 1, lineEnd));
    if (buf.length < lineEnd + 2 + length + 2) return null;
    args.push(buf.toString('latin1', lineEnd + 2, lineEnd + 2 + length));
    p = lineEnd + 2 + length + 2;
  }
  return { args, consumed: p };
}
