import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/** A free loopback port: bind to 0, read it back, release it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a private redis-server on a free loopback port; extra arguments are config directives. `binary` runs
 * another build instead (a Valkey or another Redis version, same flags). A port taken between freePort() and
 * the server's bind (another test's server, an outgoing connection's source port) is given up for another one.
 */
export async function startRedisServer(
  extraArgs: string[] = [],
  binary = 'redis-server',
): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dcs-redis-'));
    const port = await freePort();
    const child: ChildProcess = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      return await serverOf(child, port, dir);
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      if (!(error instanceof PortTakenError) || attempt === 5) throw error;
    }
  }
}

/** The server could not have the port it was given: something else listens there. */
export class PortTakenError extends Error {}

/**
 * A server process just spawned on `port`, once it listens: stop() kills it and removes `dir`. A process that
 * exits first fails the start with what it printed.
 */
export async function serverOf(child: ChildProcess, port: number, dir: string): Promise<RedisServer> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForPort(port, child, () => output);
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until `child` itself listens on `port`. A connection that succeeds is not enough: when another process
 * took the port first, the connection reaches that one while the child fails to bind and exits (seen once as a
 * cluster create that met a port answering as no cluster node).
 */
export async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (/already in use/i.test(output())) throw new PortTakenError(`port ${port} is taken:\n${output()}`);
      throw new Error(`redis-server exited early:\n${output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    const ours = open ? listensOn(child.pid!, port) : false;
    if (ours === true || ours === undefined) return;
    if (open) {
      child.kill('SIGKILL');
      throw new PortTakenError(`another process listens on port ${port}, not the server started on it`);
    }
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not listen on ${port}:\n${output()}`);
}

/**
 * Whether process `pid` holds the socket listening on loopback TCP `port`, from Linux's /proc: the listening
 * socket's inode in /proc/net/tcp among the process's open files. undefined where /proc cannot tell.
 */
function listensOn(pid: number, port: number): boolean | undefined {
  try {
    const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    // Fields: sl local_address rem_address st ... inode (the tenth); st 0A is LISTEN.
    const row = fs
      .readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((fields) => fields[1]?.endsWith(local) && fields[3] === '0A');
    if (!row) return false;
    const socket = `socket:[${row[9]}]`;
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === socket;
      } catch {
        return false; // closed while we looked
      }
    });
  } catch {
    return undefined;
  }
}
