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
  /**
   * The address the target connects to to reach this process. Absent: the address the target sees this process
   * connect from (the local address of our own connection to it), which it can reach back unless a NAT is between.
   */
  advertiseHost?: string;
  /** Where to listen; the advertised address by default. */
  bindHost?: string;
  /** How long the whole transfer and load may take before the target is released and the restore fails. */
  timeoutMs: number;
  /**
   * How long the target may take to connect to this process after REPLICAOF (it tries at once) before the fast
   * path is given up: an address it cannot reach (a NAT between) must not hold the restore for the whole timeout.
   */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

/** How the fast path went: where the target reached this process, and whether it loaded from the socket. */
export interface FastPathResult {
  advertised: string;
  /** The target parsed the file as it arrived (repl-diskless-load), instead of writing it to its disk first. */
  disklessLoad: boolean;
}

const POLL_MS = 50;
const CONNECT_TIMEOUT_MS = 10_000;
const LOAD_MODE = 'repl-diskless-load';

/**
 * Restores by replication: this process plays a master that has exactly the backup's data, the target is told
 * REPLICAOF it, loads the RDB with its own loader (every type, function and encoding, at its full speed), and
 * is then released with REPLICAOF NO ONE. Only for a standalone master without replicas of its own, whose RDB
 * version is at least the file's (fast-path-fit.ts), and which lets its load mode be set with CONFIG: for the
 * restore it loads straight from the socket (repl-diskless-load on-empty-db, after a FLUSHALL), so the file is
 * neither written to the target's disk nor read back, and its setting is put back afterwards. Throws
 * FastPathUnavailable when it does not apply, before the target changes. What the target then holds is for the
 * caller to confirm.
 */
export async function restoreByReplication(options: FastPathOptions): Promise<FastPathResult> {
  const admin = await RespConnection.open(options.target, options.timeoutMs);
  const server = net.createServer();
  const replicas: net.Socket[] = [];
  server.on('connection', (socket) => replicas.push(socket));
  let advertised = '';
  let released = true;
  let loadMode: string | null = null;
  try {
    await authenticate(admin, options.target);
    const replication = await admin.call('INFO', 'replication');
    const info = replication.type === 'bulk' ? replication.value : '';
    if (infoField(info, 'role') !== 'master') throw new FastPathUnavailable('the target is a replica');
    if (Number(infoField(info, 'connected_slaves') ?? 0) > 0) {
      throw new FastPathUnavailable('the target has replicas of its own, which would all resynchronise');
    }
    await checkQueued(admin, [
      ['REPLICAOF', '127.0.0.1', '1'],
      ['REPLICAOF', 'NO', 'ONE'],
    ]);
    const current = await admin.call('CONFIG', 'GET', LOAD_MODE);
    const previous = current.type === 'array' ? current.value[1] : undefined;
    if (previous?.type !== 'bulk') {
      throw new FastPathUnavailable(
        `CONFIG GET ${LOAD_MODE} was refused (${current.type === 'error' ? current.value : 'no such setting'}), so the target's load mode cannot be set`,
      );
    }
    const set = await admin.call('CONFIG', 'SET', LOAD_MODE, 'on-empty-db');
    if (set.type === 'error') {
      throw new FastPathUnavailable(`CONFIG SET ${LOAD_MODE} was refused: ${set.value}`);
    }
    loadMode = previous.value;
    const advertiseHost = options.advertiseHost ?? unmapped(admin.socket.localAddress);
    if (!advertiseHost) throw new FastPathUnavailable('the address this process is seen from is unknown');
    const served = serveOnce(server, options);
    const port = await listen(server, options.bindHost ?? advertiseHost);
    advertised = `${advertiseHost}:${port}`;
    // Loading from the socket needs an empty keyspace; the restore replaces it anyway.
    const flushed = await admin.call('FLUSHALL');
    if (flushed.type === 'error') throw new FastPathUnavailable(`FLUSHALL refused: ${flushed.value}`);
    const reply = await admin.call('REPLICAOF', advertiseHost, String(port));
    if (reply.type === 'error') throw new FastPathUnavailable(`REPLICAOF refused: ${reply.value}`);
    released = false;
    const deadline = Date.now() + options.timeoutMs;
    const connectDeadline = Date.now() + (options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    // The transfer may fail on our side (file unreadable): that ends the wait at once.
    let transferFailure: Error | null = null;
    served.catch((error: Error) => (transferFailure = error));
    for (;;) {
      if (transferFailure) throw transferFailure;
      if (options.signal?.aborted) throw new Error('the restore was cancelled');
      if (Date.now() > deadline) throw new Error('the target did not finish loading the backup in time');
      if (replicas.length === 0 && Date.now() > connectDeadline) {
        throw new Error(
          `the target did not connect to this service at ${advertised}; set DCS_RESTORE_REPLICATION_HOST to an address it can reach`,
        );
      }
      const state = await admin.call('INFO', 'replication');
      const text = state.type === 'bulk' ? state.value : '';
      if (infoField(text, 'master_link_status') === 'up') break;
      await sleep(POLL_MS);
    }
    const release = await admin.call('REPLICAOF', 'NO', 'ONE');
    if (release.type === 'error') throw new Error(`REPLICAOF NO ONE refused: ${release.value}`);
    released = true;
    return { advertised, disklessLoad: true };
  } finally {
    if (!released) await admin.call('REPLICAOF', 'NO', 'ONE').catch(() => undefined);
    if (loadMode !== null) await admin.call('CONFIG', 'SET', LOAD_MODE, loadMode).catch(() => undefined);
    admin.close();
    server.close();
    for (const socket of replicas) socket.destroy();
  }
}

/**
 * Whether the target takes these commands, asked without running them: queued in a MULTI that is discarded, each
 * is checked as it is queued (known, not renamed away, ACL). So a REPLICAOF the target refuses is found before
 * the flush, and the command writer that takes over still finds every key and library in place.
 */
async function checkQueued(admin: RespConnection, commands: string[][]): Promise<void> {
  const multi = await admin.call('MULTI');
  if (multi.type === 'error') return; // nothing to learn this way; REPLICAOF itself answers below
  try {
    for (const command of commands) {
      const reply = await admin.call(...command);
      if (reply.type === 'error') throw new FastPathUnavailable(`${command[0]} refused: ${reply.value}`);
    }
  } finally {
    await admin.call('DISCARD');
  }
}

/** An IPv4 peer seen through an IPv6 socket ("::ffff:10.0.0.5") is advertised as the IPv4 address. */
function unmapped(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
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
