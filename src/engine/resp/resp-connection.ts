import net from 'node:net';
import tls from 'node:tls';
import type { RedisEndpoint } from '../../core/instance.ts';
import { RedisWireError } from './redis-wire-error.ts';

export type RespReply =
  | { type: 'simple' | 'error'; value: string }
  /** raw: the bytes as sent (DUMP payloads are binary); value: the same read as UTF-8. */
  | { type: 'bulk'; value: string; raw: Buffer }
  | { type: 'integer'; value: number }
  | { type: 'nil'; value: null }
  | { type: 'array'; value: RespReply[] };

export function encodeCommand(parts: readonly string[]): Buffer {
  let out = `*${parts.length}\r\n`;
  for (const part of parts) out += `$${Buffer.byteLength(part)}\r\n${part}\r\n`;
  return Buffer.from(out);
}

/**
 * One connection to a Redis server, raw enough to carry a replication stream after the handshake: commands
 * are sent one at a time and their replies read from the connection's own buffer, which the replication
 * session then drains chunk by chunk. No client library can hand over a socket mid-protocol like this.
 */
export class RespConnection {
  readonly socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiter: (() => void) | null = null;
  #failure: RedisWireError | null = null;
  #closed = false;
  /** Set by divert(): takes every chunk as it arrives, borrowed for the call; false asks to pause. */
  #consumer: ((chunk: Buffer) => boolean) | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /**
   * Connects (TCP or TLS); every later silence longer than timeoutMs fails the connection. With `readBuffer`
   * a TCP socket reads into that one buffer instead of a fresh one per read: for a connection that will carry
   * a whole snapshot, where a new 64 KiB buffer per read fills the young generation with garbage. Until
   * divert() the bytes read are copied out of it, so nothing before then has to know.
   */
  static open(
    endpoint: RedisEndpoint,
    timeoutMs: number,
    options: { readBuffer?: Buffer } = {},
  ): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      let self: RespConnection | null = null;
      const { readBuffer } = options;
      const socket = endpoint.tls
        ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
        : net.connect({
            host: endpoint.host,
            port: endpoint.port,
            ...(readBuffer
              ? {
                  onread: {
                    buffer: readBuffer,
                    callback: (length: number, buffer: Uint8Array) =>
                      self!.#received(Buffer.from(buffer.buffer, buffer.byteOffset, length), true),
                  },
                }
              : {}),
          });
      const connection = new RespConnection(socket);
      self = connection;
      socket.setNoDelay(true);
      socket.setTimeout(timeoutMs);
      const where = `${endpoint.host}:${endpoint.port}`;
      const onConnectError = (error: Error) => {
        socket.destroy();
        reject(new RedisWireError('connect', `cannot connect to ${where}: ${describeSocketError(error)}`));
      };
      socket.once('error', onConnectError);
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', onConnectError);
        socket.on('error', (error) =>
          connection.fail(
            new RedisWireError('disconnected', `connection error: ${describeSocketError(error)}`),
          ),
        );
        resolve(connection);
      });
      socket.on('timeout', () => {
        const error = new RedisWireError('timeout', `${where} stopped answering`);
        reject(error);
        connection.fail(error);
        socket.destroy();
      });
      socket.on('data', (chunk: Buffer) => {
        if (connection.#received(chunk, false) === false) socket.pause();
      });
      socket.on('close', () => {
        connection.#closed = true;
        connection.#wake();
      });
    });
  }

  /** False asks the socket to pause (onread's contract). */
  #received(chunk: Buffer, borrowed: boolean): boolean {
    if (this.#consumer) return this.#consumer(chunk);
    // Not diverted yet: a borrowed chunk is overwritten by the next read, so what is kept is a copy.
    const kept = borrowed ? Buffer.from(chunk) : chunk;
    this.#buffer = this.#buffer.length === 0 ? kept : Buffer.concat([this.#buffer, kept]);
    this.#wake();
    return true;
  }

  /**
   * Hands every byte from now on (what was received and not read first) to `consumer` as it arrives, in the
   * socket's own callback. A chunk is borrowed: it is valid only during the call (the next read may reuse its
   * memory), so the consumer copies whatever it keeps. It returns false to pause the socket. Its owner waits
   * with waitForEvent() and is woken by wake(), a failure or the close.
   */
  divert(consumer: (chunk: Buffer) => boolean): void {
    this.#consumer = consumer;
    const pending = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    if (pending.length > 0 && !consumer(pending)) this.socket.pause();
  }

  /** For a diverted connection: returns at the next wake() or close, throws the connection's failure. */
  async waitForEvent(): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#closed) return;
    await this.#wait();
    if (this.#failure) throw this.#failure;
  }

  /** Wakes whoever waits in waitForEvent(). */
  wake(): void {
    this.#wake();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Fails whatever waits on this connection (a sink error, a cancellation). */
  fail(error: RedisWireError): void {
    this.#failure ??= error;
    this.#wake();
  }

  close(): void {
    this.socket.destroy();
  }

  send(parts: readonly string[]): void {
    this.socket.write(encodeCommand(parts));
  }

  /**
   * Writes bytes already in RESP form at once, without waiting for the socket to drain: for callers that bound
   * what they have in flight themselves (a pipeline counts every byte until its reply arrives). `written` is
   * called once the socket no longer needs `bytes` (handed to the system, or failed), so they may be reused.
   */
  writeNow(bytes: Buffer, written?: () => void): void {
    if (this.#failure) throw this.#failure;
    this.socket.write(bytes, written);
  }

  /** Writes bytes already in RESP form; resolves when the socket can take more (backpressure). */
  async sendRaw(bytes: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (!this.socket.write(bytes)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.socket.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          this.socket.off('drain', onDrain);
          reject(this.#failure ?? new RedisWireError('disconnected', 'the server closed the connection'));
        };
        this.socket.once('drain', onDrain);
        this.socket.once('close', onClose);
      });
    }
  }

  /** Sends a command and reads its reply. */
  async call(...parts: string[]): Promise<RespReply> {
    this.send(parts);
    return this.readReply(parts[0] ?? 'command');
  }

  /** Reads one reply (nested arrays included). `what` names the command in a protocol error. */
  async readReply(what = 'a command'): Promise<RespReply> {
    const line = await this.readLine();
    const body = line.slice(1);
    switch (line[0]) {
      case '+':
        return { type: 'simple', value: body };
      case '-':
        return { type: 'error', value: body };
      case ':':
        return { type: 'integer', value: Number(body) };
      case '$': {
        const length = Number(body);
        if (length < 0) return { type: 'nil', value: null };
        const bytes = await this.#readExactly(length + 2);
        const raw = bytes.subarray(0, length);
        return { type: 'bulk', value: raw.toString('utf8'), raw };
      }
      case '*': {
        const count = Number(body);
        if (count < 0) return { type: 'nil', value: null };
        const items: RespReply[] = [];
        for (let i = 0; i < count; i++) items.push(await this.readReply(what));
        return { type: 'array', value: items };
      }
      default:
        throw new RedisWireError(
          'protocol',
          `unexpected reply to ${what}: ${JSON.stringify(line.slice(0, 40))}`,
        );
    }
  }

  /** The next line (without CRLF); keepalive newlines come back as empty lines. */
  async readLine(): Promise<string> {
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline >= 0) {
        const line = this.#buffer.subarray(0, newline).toString('latin1').replace(/\r$/, '');
        this.#buffer = this.#buffer.subarray(newline + 1);
        return line;
      }
      await this.#waitForData('before the reply was complete');
    }
  }

  /** Looks at the first line that is not a keepalive, leaving it (and all after it) unread. */
  async peekLine(): Promise<string> {
    for (;;) {
      let start = 0;
      while (start < this.#buffer.length && this.#buffer[start] === 0x0a) start++;
      const newline = this.#buffer.indexOf(0x0a, start);
      if (newline >= 0) {
        this.#buffer = this.#buffer.subarray(start);
        return this.#buffer
          .subarray(0, newline - start)
          .toString('latin1')
          .replace(/\r$/, '');
      }
      await this.#waitForData('before its reply');
    }
  }

  /** Everything received and not yet read, or null once the server closed the connection and nothing is left. */
  async nextChunk(): Promise<Buffer | null> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      if (this.#buffer.length > 0) {
        const chunk = this.#buffer;
        this.#buffer = Buffer.alloc(0);
        return chunk;
      }
      if (this.#closed) return null;
      await this.#wait();
    }
  }

  async #readExactly(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) await this.#waitForData('in the middle of a reply');
    const bytes = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return bytes;
  }

  async #waitForData(when: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw new RedisWireError('disconnected', `the server closed the connection ${when}`);
    await this.#wait();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}

function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  return error.message;
}
