import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import { isPublicAsset } from '../console-assets.ts';
import { DomainError } from '../../core/errors.ts';
import { AuthFailure, claimedAccessKey, type Authenticator, type Caller } from './authenticator.ts';
import type { FailureLimiter } from './failure-limiter.ts';
import type { ReplayGuard } from './replay-guard.ts';
import '../observability/route-config.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's bytes as received, for the signature's payload hash. */
    rawBody?: Buffer;
    /** Set once the request authenticated. */
    caller?: Caller;
  }
}

/** Paths that carry their own proof (download links sign themselves). */
const OPEN_PATHS = ['/downloads/'];
const TOKEN_PATH = '/auth/v1/tokens';

export interface AuthGuards {
  auth: Authenticator;
  clock: Clock;
  limiter: FailureLimiter;
  replays: ReplayGuard;
  /** Accepts the metrics bearer token (DCS_METRICS_TOKEN) on routes whose access is `metrics`. */
  metricsBearer?: (authorization: string | undefined) => boolean;
}

/**
 * Every request (but download links) must be signed or carry a token, before its input is even validated,
 * so an anonymous caller learns nothing from the answers. Then the caller's role and project decide, and a
 * state-changing signed request must not have been seen before.
 */
export function installAuth(app: FastifyInstance, guards: AuthGuards): void {
  const { auth, clock, limiter, replays } = guards;
  app.addHook('preValidation', async (request, reply) => {
    if (OPEN_PATHS.some((prefix) => request.url.startsWith(prefix))) return;
    // Decided by the route matched, not by the URL: a prefix could be dressed up to reach another route.
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    if (access === 'metrics' && guards.metricsBearer?.(request.headers.authorization)) return;
    // The web console's own files: public, and every call they make is authenticated like any other.
    if (isPublicAsset(request.routeOptions.config)) return;
    const accessKey = claimedAccessKey(request.headers);
    const attempt = await limiter.enter({ address: request.ip, accessKey });
    if (!attempt) {
      // Debug only: a storm makes these by the thousand, and each failure that let it happen is logged.
      request.log.debug(
        { accessKey, address: request.ip },
        'authentication refused: too many failing attempts',
      );
      reply.header('Retry-After', String(Math.max(1, Math.ceil(limiter.maxDelayMs / 1000))));
      throw new DomainError('auth_throttled', '');
    }
    let caller: Caller;
    try {
      caller = await auth.authenticate({
        method: request.method,
        url: request.url,
        headers: request.headers,
        rawBody: request.rawBody,
      });
    } catch (error) {
      if (!(error instanceof AuthFailure)) {
        // Not the caller's failure (the database, say): give the slots back without counting it.
        attempt.succeeded();
        throw error;
      }
      request.log.warn(
        { accessKey: error.accessKey, address: request.ip, reason: error.message, method: request.method },
        'authentication failed',
      );
      await attempt.failed(clock.now());
      throw error.error;
    }
    attempt.succeeded();
    authorize(caller, request);
    await replays.admit(request.method, caller);
    request.caller = caller;
  });
}

function authorize(caller: Caller, request: FastifyRequest): void {
  const path = request.url.split('?', 1)[0]!;
  if (path.startsWith(TOKEN_PATH)) return;
  const adminOnly = path.startsWith('/admin/') || request.routeOptions.config?.access === 'metrics';
  if (adminOnly && caller.role !== 'admin') {
    throw new DomainError(
      'role_forbidden',
      'This role does not have the permission to perform this operation.',
    );
  }
  const projectId = (request.params as { project_id?: string } | undefined)?.project_id;
  if (projectId !== undefined) {
    const claimed = request.headers['x-project-id'];
    if (
      (claimed !== undefined && claimed !== projectId) ||
      (caller.role !== 'admin' && caller.projectId !== projectId)
    ) {
      throw new DomainError('project_mismatch', 'Project ID does not match the token.');
    }
  }
  if (caller.role === 'viewer' && request.method !== 'GET' && request.method !== 'HEAD') {
    throw new DomainError(
      'read_only',
      'This tenant has read permission only and cannot perform this operation.',
    );
  }
}
