import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { DomainError } from '../core/errors.ts';
import type { AppDeps } from './app-deps.ts';
import { FailureLimiter } from './auth/failure-limiter.ts';
import { installAuth } from './auth/install-auth.ts';
import { ReplayGuard } from './auth/replay-guard.ts';
import { dcsClientErrorHandler } from './client-errors.ts';
import { installClosingAnswer } from './closing-answer.ts';
import { registerConsoleAssets } from './console-assets.ts';
import { installHostRequirement } from './host-header.ts';
import { drainServer, httpServerFactory, type HttpServerSettings } from './http-server.ts';
import { decodeUtf8, parseJsonBody } from './json-body.ts';
import { listeningUrl } from './listening-url.ts';
import { DEFAULT_LISTING_CACHE_BYTES, ListingCache } from './listing-cache.ts';
import { BackupListingIndex, DEFAULT_LISTING_INDEX_BYTES } from './backup-listing-index.ts';
import { readInstanceRecords } from '../core/use-cases/read-instance-records.ts';
import { installErrorHandling, sendDomainError } from './error-handling.ts';
import { RouteTable } from './route-table.ts';
import { installHttpMetrics } from './observability/http-metrics.ts';
import { bearerMatcher } from './observability/metrics-token.ts';
import { PrometheusMetrics, storeMetricsSources } from './observability/prometheus-metrics.ts';
import { openApiDocument } from './openapi/openapi-document.ts';
import { OPERATIONS } from './operations/operation-table.ts';
import { registerOperations } from './operations/register-operations.ts';

export interface AppOptions {
  /** A pino logger; omitted, the app logs nothing (tests). */
  logger?: FastifyBaseLogger;
  /** Timeouts, connection cap and TLS of the server listen() opens; omitted, Node's defaults (tests). */
  server?: HttpServerSettings;
  /** The web console's built files; omitted, dist/console of this package. */
  consoleDir?: string;
}

/** Builds the HTTP app without listening, so tests drive it through inject() and the server through listen(). */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    // One access line per request at debug level instead of Fastify's two at info: cheap by default.
    // requestId: the same key as the job lines a request leads to, so one search finds both.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
    // Unknown or mistyped fields are refused, not silently dropped or coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    frameworkErrors: (error, request, reply) => {
      reply.header('X-Request-Id', request.id);
      void sendDomainError(reply, new DomainError('invalid_parameter', `Invalid request: ${error.message}`));
    },
    // Errors Node meets before Fastify (bad HTTP, oversized headers, timeouts) and the 503 while closing are
    // answered with DCS bodies too.
    clientErrorHandler: dcsClientErrorHandler,
    return503OnClosing: false,
    ...(options.server ? { serverFactory: httpServerFactory(options.server) } : {}),
  });
  // Only JSON bodies are read; text/plain would otherwise arrive as a string and fail as a parameter.
  app.removeContentTypeParser('text/plain');

  // SDK clients send Content-Type: application/json on GET and DELETE with no body: that is no body, not bad JSON.
  // Read as bytes: the signature covers the body's bytes, which a decoded string may not reproduce, and bytes
  // that are not UTF-8 are refused rather than decoded to U+FFFD.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    request.rawBody = bytes as Buffer;
    try {
      done(null, parseJsonBody(decodeUtf8(bytes as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Raw bytes reach only the operations that stream them (uploads), unread: the handler takes the stream after
  // authentication and never holds the whole body in memory. Elsewhere a body must be JSON.
  app.addContentTypeParser('application/octet-stream', (request, payload, done) => {
    if (request.routeOptions.config.streamedBody === true) done(null, payload);
    else done(new DomainError('invalid_body', 'The request body must be JSON.'), undefined);
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  installClosingAnswer(app);
  installHostRequirement(app);
  if (options.server) app.addHook('preClose', () => drainServer(app.server));

  app.addHook('onResponse', async (request, reply) => {
    if (request.log.level === 'debug' || request.log.level === 'trace') {
      request.log.debug(
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    }
  });

  const metrics =
    deps.metrics ??
    new PrometheusMetrics({ sources: storeMetricsSources(deps.store), processMetrics: false });
  installHttpMetrics(app, metrics);

  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));
  installErrorHandling(app, routes);
  installAuth(app, {
    auth: deps.auth,
    clock: deps.clock,
    limiter: deps.failureLimiter ?? new FailureLimiter(),
    replays: new ReplayGuard({ seen: deps.store.seenSignatures, clock: deps.clock }),
    ...(deps.metricsToken ? { metricsBearer: bearerMatcher(deps.metricsToken) } : {}),
  });

  const backupListingIndex =
    deps.backupListingIndex ??
    new BackupListingIndex({
      maxBytes: deps.listingIndexBytes ?? DEFAULT_LISTING_INDEX_BYTES,
      load: (instanceId, maxRecords) => readInstanceRecords(deps.store, instanceId, { maxRecords }),
      onError: (error) => app.log.warn({ err: error }, 'listing index: cannot build an instance snapshot'),
    });
  metrics.observeListingIndex(() => ({
    bytes: backupListingIndex.bytes,
    instances: backupListingIndex.size,
  }));
  // Before the store closes: a build under way reads from it.
  app.addHook('onClose', () => backupListingIndex.close());

  let openApiText: string | undefined;
  registerOperations(app, OPERATIONS, {
    ...deps,
    linkBase: deps.linkBase ?? (() => listeningUrl(app.server, options.server?.tls !== undefined)),
    openApiText: () => (openApiText ??= JSON.stringify(openApiDocument(OPERATIONS))),
    metricsExposition: metrics,
    listingCache: new ListingCache(deps.listingCacheBytes ?? DEFAULT_LISTING_CACHE_BYTES),
    backupListingIndex,
  });
  registerConsoleAssets(app, options.consoleDir);
  return app;
}
