import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DomainErrorCode } from '../core/errors.ts';
import type { DcsErrorBody } from './dcs-error-body.ts';
import { ERROR_CATALOGUE } from './error-catalogue.ts';

/** Which DCS error answers a failure Node meets before a request reaches Fastify. */
export function clientErrorCode(error: { code?: string }): DomainErrorCode {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  // llhttp counts the request line in the header size, so an oversized URL lands here too.
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  return 'malformed_request';
}

/**
 * Fastify's clientErrorHandler: Node found the request unreadable (bad HTTP, oversized headers or URL) or
 * too slow (headers or body timeout). The answer is written to the socket by hand, as no reply object
 * exists, with the same DCS body and X-Request-Id every other answer has; then the connection is closed.
 */
export function dcsClientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = responseOn(socket);
  // Part of an answer already went out on this connection: anything more would corrupt it.
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const code = clientErrorCode(error);
  const requestId = answerOnSocket(socket, code);
  this.log.debug({ err: error, requestId, address: socket.remoteAddress }, `client error: ${code}`);
}

/**
 * Writes a DCS error answer straight to a socket that has no reply object (or whose reply has not begun),
 * then closes the connection. Returns the request id the answer carries.
 */
export function answerOnSocket(socket: Socket, code: DomainErrorCode): string {
  const entry = ERROR_CATALOGUE[code];
  const requestId = randomUUID();
  const body: DcsErrorBody = { error_code: entry.dcsCode, error_msg: entry.message, error_ext_msg: null };
  const text = JSON.stringify(body);
  const head = [
    `HTTP/1.1 ${entry.status} ${STATUS_CODES[entry.status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    `X-Request-Id: ${requestId}`,
    'Connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${text}`, () => socket.destroy());
  return requestId;
}

/** The answer Node is sending on this connection, if any (Node keeps it on the socket). */
export function responseOn(socket: Socket): ServerResponse | null {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
}
