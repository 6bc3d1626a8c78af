import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A client socket the test drives byte by byte, keeping everything the server sent. */
export interface RawClient {
  socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server closed the connection (or it was reset), with everything received. */
  closed: Promise<string>;
}

export async function rawClient(port: number, firstBytes?: string): Promise<RawClient> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => reject(new Error('connection closed before it was established')));
  });
  if (firstBytes !== undefined) socket.write(firstBytes);
  return { socket, received: () => text, closed };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the first HTTP/1.1 response in `text` (Content-Length framed, as every error answer is). */
export function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP response in ${JSON.stringify(text)}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? text.length);
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers,
    body: text.slice(end + 4, end + 4 + length),
  };
}

/** Waits, checking every few milliseconds, until `condition` holds (a test's own timeout bounds it). */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(5);
}
