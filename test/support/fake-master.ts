import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One step of what the fake master sends after the sync command: bytes, a pause, or hanging up. */
export type Step = Buffer | { pauseMs: number } | 'close';

export interface FakeMasterScript {
  /** Replies to the handshake commands, by command name; default +OK (+PONG for PING). */
  replies?: Record<string, string>;
  /** What follows PSYNC (or SYNC, when PSYNC is answered with an error through `replies`). */
  afterSync: Step[];
}

export interface FakeMaster {
  port: number;
  /** Every command received, as arrays of strings. */
  commands: string[][];
  close(): Promise<void>;
}

/**
 * A scripted Redis master on a loopback port, for what a real server will not do on demand: keepalives at
 * chosen places, an end mark split across writes, a stream cut short, a corrupted checksum.
 */
export async function startFakeMaster(script: FakeMasterScript): Promise<FakeMaster> {
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  const stopped = new AbortController();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseCommand(buffer);
        if (!parsed) return;
        buffer = buffer.subarray(parsed.length);
        commands.push(parsed.args);
        const name = parsed.args[0]!.toUpperCase();
        const reply = script.replies?.[name];
        if (reply !== undefined) {
          socket.write(reply);
          if (reply.startsWith('-')) continue;
        }
        if (name === 'PSYNC' || name === 'SYNC') {
          void play(socket, script.afterSync, stopped.signal);
          return;
        }
        if (reply === undefined) socket.write(defaultReply(name));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: () =>
      new Promise((resolve) => {
        stopped.abort();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function play(socket: net.Socket, steps: Step[], signal: AbortSignal): Promise<void> {
  for (const step of steps) {
    if (socket.destroyed || signal.aborted) return;
    if (step === 'close') {
      socket.end();
      return;
    }
    if (Buffer.isBuffer(step)) socket.write(step);
    else await sleep(step.pauseMs, undefined, { signal }).catch(() => undefined);
  }
}

function parseCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  const text = buffer.toString('latin1');
  const header = /^\*(\d+)\r\n/.exec(text);
  if (!header) return undefined;
  let at = header[0].length;
  const args: string[] = [];
  for (let i = 0; i < Number(header[1]); i++) {
    const bulk = /^\$(\d+)\r\n/.exec(text.slice(at));
    if (!bulk) return undefined;
    at += bulk[0].length;
    const length = Number(bulk[1]);
    if (text.length < at + length + 2) return undefined;
    args.push(text.slice(at, at + length));
    at += length + 2;
  }
  return { args, length: at };
}

const INFO = 'redis_version:7.0.15\r\nused_memory:1000000\r\n';

function defaultReply(name: string): string {
  if (name === 'PING') return '+PONG\r\n';
  if (name === 'INFO') return `$${INFO.length}\r\n${INFO}\r\n`;
  return '+OK\r\n';
}
