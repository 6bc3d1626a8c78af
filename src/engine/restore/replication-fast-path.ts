import { randomBytes, timingSafeEqual } from 'node:crypto';
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
  /** Told the port this restore listens on once it does (for the log, and for tests that knock on it). */
  onListening?: (address: string) => void;
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
const MASTER_AUTH = 'masterauth';

/**
 * Restores by replication: this process plays a master that has exactly the backup's data, the target is told
 * REPLICAOF it, loads the RDB with its own loader (every type, function and encoding, at its full speed), and
 * is then released with REPLICAOF NO ONE. Only for a standalone master without replicas of its own, whose RDB
 * version is at least the file's (fast-path-fit.ts), and which lets its load mode be set with CONFIG: for the
 * restore it loads straight from the socket (repl-diskless-load on-empty-db, after a FLUSHALL), so the file is
 * neither written to the target's disk nor read back, and its setting is put back afterwards. The listening
 * port serves the file only to a peer that first sends AUTH with a password made for this restore and given to
 * the target as its masterauth (put back afterwards too): anyone else who connects meanwhile gets nothing. Throws
 * FastPathUnavailable when it does not apply, before the target changes. What the target then holds is for the
 * caller to confirm.
 */
export async function restoreByReplication(options: FastPathOptions): Promise<FastPathResult> {
  const admin = await RespConnection.open(options.target, options.timeoutMs);
  const server = net.createServer();
  const replicas: net.Socket[] = [];
  server.on('connection', (socket) => replicas.push(socket));
  // The file goes only to the peer that knows this; the target is told it as its masterauth.
  const password = randomBytes(32).toString('hex');
  let advertised = '';
  let released = true;
  let loadMode: string | null = null;
  let masterAuth: string | null = null;
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
    masterAuth = await setMasterAuth(admin, password);
    const advertiseHost = options.advertiseHost ?? unmapped(admin.socket.localAddress);
    if (!advertiseHost) throw new FastPathUnavailable('the address this process is seen from is unknown');
    const served = serveOnce(server, options, password);
    const port = await listen(server, options.bindHost ?? advertiseHost);
    advertised = `${advertiseHost}:${port}`;
    options.onListening?.(advertised);
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
    if (masterAuth !== null)
      await admin.call('CONFIG', 'SET', MASTER_AUTH, masterAuth).catch(() => undefined);
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
 * Serves the file once, to the first peer that authenticates with the restore's password (the target, which
 * sends its masterauth before PSYNC). Before that a peer may only PING or AUTH; anything else, or a wrong
 * password, closes its connection and the port goes on waiting for the target.
 */
function serveOnce(server: net.Server, options: FastPathOptions, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.on('connection', (socket) => {
      let pending = Buffer.alloc(0);
      let authenticated = false;
      let sending = false;
      // A peer that goes away before it was sent anything is not the restore's failure.
      socket.on('error', (error) => (sending ? reject(error) : socket.destroy()));
      const refuse = (reply: string) => socket.end(reply);
      socket.on('data', (chunk: Buffer) => {
        if (sending) return; // REPLCONF ACKs once the transfer started: nothing to answer
        pending = Buffer.concat([pending, chunk]);
        if (!authenticated && pending.length > 64 * 1024) return refuse('-ERR too long\r\n');
        for (;;) {
          const parsed = nextCommand(pending);
          if (!parsed) return;
          pending = pending.subarray(parsed.consumed);
          const name = parsed.args[0]?.toUpperCase();
          if (name === 'PING') socket.write('+PONG\r\n');
          else if (name === 'AUTH') {
            // AUTH password, or AUTH masteruser password when the target has a masteruser set.
            const given = parsed.args.length === 2 || parsed.args.length === 3 ? parsed.args.at(-1)! : '';
            if (!sameSecret(given, password)) return refuse('-WRONGPASS invalid password\r\n');
            authenticated = true;
            socket.write('+OK\r\n');
          } else if (!authenticated) return refuse('-NOAUTH Authentication required.\r\n');
          else if (name === 'PSYNC' || name === 'SYNC') {
            sending = true;
            server.close();
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

/** Compares in constant time, so the password cannot be guessed byte by byte from answer times. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Gives the target the restore's password as its masterauth; returns the setting it had, to put back. A target
 * that refuses CONFIG for it cannot take the fast path (nothing has changed yet).
 */
async function setMasterAuth(admin: RespConnection, password: string): Promise<string> {
  const current = await admin.call('CONFIG', 'GET', MASTER_AUTH);
  const previous = current.type === 'array' ? current.value[1] : undefined;
  if (previous?.type !== 'bulk') {
    throw new FastPathUnavailable(
      `CONFIG GET ${MASTER_AUTH} was refused, so the transfer could not be protected`,
    );
  }
  const set = await admin.call('CONFIG', 'SET', MASTER_AUTH, password);
  if (set.type === 'error') {
    throw new FastPathUnavailable(`CONFIG SET ${MASTER_AUTH} was refused: ${set.value}`);
  }
  return previous.value;
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
