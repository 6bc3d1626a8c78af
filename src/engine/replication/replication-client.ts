import net from 'node:net';
import tls from 'node:tls';
import type { Writable } from 'node:stream';
import type { RedisEndpoint } from '../../core/instance.ts';
import { RdbIntegrity, type RdbSummary } from '../rdb/rdb-integrity.ts';
import { ReplicationProtocolError, SyncStreamParser, type SyncStreamInfo } from './sync-stream.ts';

export type ReplicationFailure =
  'connect' | 'auth' | 'refused' | 'timeout' | 'protocol' | 'disconnected' | 'sink';

/** Why a snapshot could not be taken; the message never contains the password. */
export class ReplicationError extends Error {
  readonly kind: ReplicationFailure;
  constructor(kind: ReplicationFailure, message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface FetchRdbOptions {
  endpoint: RedisEndpoint;
  /** Receives the RDB bytes; the socket pauses while it asks for backpressure. */
  sink: Writable;
  /** Ask for a diskless transfer (REPLCONF capa eof); without it the master writes its dump file first. */
  diskless?: boolean;
  /** Time allowed for the connection and each handshake reply. */
  handshakeTimeoutMs?: number;
  /** Time allowed without a single byte once the sync started (masters send a newline each second while busy). */
  idleTimeoutMs?: number;
  /** Called after every chunk; the caller decides how often to act on it. */
  onProgress?(bytesReceived: number, announcedLength: number | null): void;
  signal?: AbortSignal;
}

export interface FetchRdbResult {
  summary: RdbSummary;
  stream: SyncStreamInfo;
}

/**
 * Takes a snapshot the way a replica does (as redis-cli --rdb): AUTH, PING, REPLCONF capa eof and rdb-only,
 * then PSYNC ? -1 (or SYNC where PSYNC is unknown), and streams the RDB into the sink. Each command waits for
 * its reply, since a master refuses a sync with replies still pending.
 */
export async function fetchRdb(options: FetchRdbOptions): Promise<FetchRdbResult> {
  const session = new ReplicationSession(options);
  try {
    return await session.run();
  } finally {
    session.close();
  }
}

function command(...parts: string[]): Buffer {
  let out = `*${parts.length}\r\n`;
  for (const part of parts) out += `$${Buffer.byteLength(part)}\r\n${part}\r\n`;
  return Buffer.from(out);
}

class ReplicationSession {
  readonly #options: FetchRdbOptions;
  readonly #integrity = new RdbIntegrity();
  #socket: net.Socket | null = null;
  #buffer: Buffer = Buffer.alloc(0);
  #waiter: (() => void) | null = null;
  #failure: ReplicationError | null = null;
  #closed = false;

  constructor(options: FetchRdbOptions) {
    this.#options = options;
  }

  close(): void {
    this.#socket?.destroy();
  }

  async run(): Promise<FetchRdbResult> {
    const { endpoint } = this.#options;
    await this.#connect();
    if (endpoint.password !== null) {
      const args = endpoint.username
        ? ['AUTH', endpoint.username, endpoint.password]
        : ['AUTH', endpoint.password];
      const reply = await this.#ask(command(...args));
      if (!reply.startsWith('+'))
        throw new ReplicationError('auth', `authentication failed: ${reply.slice(1)}`);
    }
    const pong = await this.#ask(command('PING'));
    if (/^-NOAUTH/.test(pong)) throw new ReplicationError('auth', 'the server requires a password');
    if (pong.startsWith('-')) throw new ReplicationError('refused', `PING refused: ${pong.slice(1)}`);
    // Both are optional: an older server answers -ERR and simply does not get the benefit.
    if (this.#options.diskless !== false) await this.#ask(command('REPLCONF', 'capa', 'eof'));
    await this.#ask(command('REPLCONF', 'capa', 'psync2'));
    await this.#ask(command('REPLCONF', 'rdb-only', '1'));
    return this.#sync();
  }

  async #sync(): Promise<FetchRdbResult> {
    const { sink } = this.#options;
    const socket = this.#socket!;
    const parser = new SyncStreamParser(this.#integrity, (chunk) => {
      if (!sink.write(chunk)) {
        socket.pause();
        sink.once('drain', () => socket.resume());
      }
    });
    socket.write(command('PSYNC', '?', '-1'));
    const first = await this.#peekFirstLine();
    if (/^-ERR unknown command/i.test(first)) {
      this.#buffer = this.#buffer.subarray(this.#buffer.indexOf(0x0a) + 1);
      socket.write(command('SYNC'));
    }
    socket.setTimeout(this.#options.idleTimeoutMs ?? 60_000);
    try {
      for (;;) {
        if (this.#buffer.length > 0) {
          const chunk = this.#buffer;
          this.#buffer = Buffer.alloc(0);
          parser.feed(chunk);
          this.#options.onProgress?.(this.#integrity.sizeBytes, parser.announcedLength);
          if (parser.done) break;
        }
        if (this.#failure) throw this.#failure;
        if (this.#closed) {
          throw new ReplicationError(
            'disconnected',
            `the connection closed after ${this.#integrity.sizeBytes} bytes, before the RDB ended`,
          );
        }
        await this.#wait();
      }
    } catch (error) {
      if (error instanceof ReplicationProtocolError) {
        throw new ReplicationError(error.refused ? 'refused' : 'protocol', error.message);
      }
      throw error;
    }
    socket.destroy();
    return { summary: this.#integrity.finish(), stream: parser.info };
  }

  #connect(): Promise<void> {
    const { endpoint, handshakeTimeoutMs = 10_000, signal } = this.#options;
    return new Promise((resolve, reject) => {
      const socket = endpoint.tls
        ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
        : net.connect({ host: endpoint.host, port: endpoint.port });
      this.#socket = socket;
      socket.setNoDelay(true);
      socket.setTimeout(handshakeTimeoutMs);
      const onConnectError = (error: Error) =>
        reject(
          new ReplicationError(
            'connect',
            `cannot connect to ${endpoint.host}:${endpoint.port}: ${error.message}`,
          ),
        );
      socket.once('error', onConnectError);
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', onConnectError);
        socket.on('error', (error) =>
          this.#fail(new ReplicationError('disconnected', `connection error: ${error.message}`)),
        );
        resolve();
      });
      socket.on('timeout', () => {
        const error = new ReplicationError('timeout', 'the server stopped answering');
        onConnectError(error);
        this.#fail(error);
        socket.destroy();
      });
      socket.on('data', (chunk: Buffer) => {
        this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
        this.#wake();
      });
      socket.on('close', () => {
        this.#closed = true;
        this.#wake();
      });
      signal?.addEventListener('abort', () => this.#fail(new ReplicationError('sink', 'cancelled')), {
        once: true,
      });
      this.#options.sink.once('error', (error) =>
        this.#fail(new ReplicationError('sink', `cannot store the RDB: ${error.message}`)),
      );
    });
  }

  #fail(error: ReplicationError): void {
    this.#failure ??= error;
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Sends one command and returns its one-line reply (+OK, -ERR ..., +PONG). */
  async #ask(request: Buffer): Promise<string> {
    this.#socket!.write(request);
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline >= 0) {
        const line = this.#buffer.subarray(0, newline).toString('latin1').replace(/\r$/, '');
        this.#buffer = this.#buffer.subarray(newline + 1);
        return line;
      }
      if (this.#failure) throw this.#failure;
      if (this.#closed)
        throw new ReplicationError('disconnected', 'the server closed the connection during the handshake');
      await this.#wait();
    }
  }

  /** The first line after PSYNC that is not a keepalive newline, left in the buffer for the parser. */
  async #peekFirstLine(): Promise<string> {
    for (;;) {
      let start = 0;
      while (start < this.#buffer.length && this.#buffer[start] === 0x0a) start++;
      const newline = this.#buffer.indexOf(0x0a, start);
      if (newline >= 0) {
        this.#buffer = this.#buffer.subarray(start);
        return this.#buffer.subarray(0, newline - start).toString('latin1');
      }
      if (this.#failure) throw this.#failure;
      if (this.#closed)
        throw new ReplicationError('disconnected', 'the server closed the connection before the sync');
      await this.#wait();
    }
  }
}
