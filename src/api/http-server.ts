import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { FastifyServerFactory } from 'fastify';
import { answerOnSocket, responseOn } from './client-errors.ts';

/** How the service's own HTTP(S) server treats slow, idle and surplus clients. */
export interface HttpServerSettings {
  /** A client must have sent its request headers this long after connecting or after its last answer. */
  headersTimeoutMs: number;
  /** A client must have sent its whole request, body included, this long after it began. */
  requestTimeoutMs: number;
  /** Keep-alive connections with no request, and connections silent both ways, close after this long. */
  idleTimeoutMs: number;
  /** Connections beyond this many at once are closed as they arrive, before a byte is read. */
  maxConnections: number;
  /** PEM certificate and key: the server speaks HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
}

interface InFlight {
  request: http.IncomingMessage;
  finished: Promise<void>;
}

interface Tracked {
  sockets: Set<Socket>;
  inFlight: Set<InFlight>;
  drainLimitMs: number;
}

const tracked = new WeakMap<http.Server, Tracked>();

/**
 * Builds the Node server Fastify serves on, with the timeouts applied and every connection tracked, so that
 * closing can drain answers in progress and then cut whatever is left (slow clients included) at once.
 */
export function httpServerFactory(settings: HttpServerSettings): FastifyServerFactory {
  return (handler) => {
    const options: http.ServerOptions = {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.idleTimeoutMs,
      // A request without Host is refused by the app, with a DCS body, rather than by Node with a bare 400.
      requireHostHeader: false,
      // Node checks the two timeouts above every so often (30 s by default): often enough to honour short ones.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(settings.headersTimeoutMs / 4))),
    };
    const server = settings.tls
      ? (https.createServer(
          { ...options, ...settings.tls, handshakeTimeout: settings.headersTimeoutMs },
          handler,
        ) as unknown as http.Server)
      : http.createServer(options, handler);
    server.headersTimeout = settings.headersTimeoutMs;
    server.requestTimeout = settings.requestTimeoutMs;
    server.keepAliveTimeout = settings.idleTimeoutMs;
    server.setTimeout(settings.idleTimeoutMs, closeSilentConnection);
    server.maxConnections = settings.maxConnections;
    // Node would answer these itself with bare bodies: an unknown Expect (417) is ignored, as HTTP allows,
    // and CONNECT (closed without a word) is refused like any other method this service does not serve.
    server.on('checkExpectation', handler);
    server.on('connect', (_request: http.IncomingMessage, socket: Socket) => {
      answerOnSocket(socket, 'method_not_allowed');
    });
    track(server, settings.requestTimeoutMs);
    return server;
  };
}

/**
 * A connection silent both ways for the idle timeout: one stalled while sending its request gets the same
 * DCS 408 as the request timeout gives (whichever fires first); any other (between requests, or with an
 * answer under way) is just closed.
 */
function closeSilentConnection(socket: Socket): void {
  const response = responseOn(socket);
  const receiving = response !== null && !response.req.complete && !response.headersSent;
  if (receiving && socket.writable) answerOnSocket(socket, 'request_timeout');
  else socket.destroy();
}

function track(server: http.Server, drainLimitMs: number): void {
  const state: Tracked = { sockets: new Set(), inFlight: new Set(), drainLimitMs };
  tracked.set(server, state);
  // The raw TCP socket, for HTTPS too: a client still in its TLS handshake is counted and can be cut.
  server.on('connection', (socket: Socket) => {
    state.sockets.add(socket);
    socket.once('close', () => state.sockets.delete(socket));
  });
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const entry: InFlight = {
      request,
      finished: new Promise((resolve) => response.once('close', resolve)),
    };
    state.inFlight.add(entry);
    void entry.finished.then(() => state.inFlight.delete(entry));
  });
}

/**
 * Stops accepting, lets the answers to requests already fully received finish (up to the request timeout),
 * then closes every connection left: idle ones, clients still sending, clients that never finished their
 * headers. A slow client therefore cannot hold the process open; a download in progress gets its bound.
 */
export async function drainServer(server: http.Server): Promise<void> {
  const state = tracked.get(server);
  if (!state || !server.listening) return;
  server.close();
  server.closeIdleConnections();
  const working = [...state.inFlight].filter((entry) => entry.request.complete).map((e) => e.finished);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(working),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, state.drainLimitMs);
    }),
  ]);
  clearTimeout(timer);
  for (const socket of state.sockets) socket.destroy();
}
