import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import { isPublicAsset } from '../console-assets.ts';
import type { Access } from '../operations/operation.ts';
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

/** Unmatched paths under which a route would carry its own proof (download links sign themselves). */
const OPEN_PATHS = ['/downloads/'];

export interface AuthGuards {
  auth: Authenticator;
  clock: Clock;
  limiter: FailureLimiter;
  replays: ReplayGuard;
  /** Accepts the metrics bearer token (DCS_METRICS_TOKEN) on routes whose access is `metrics`. */
  metricsBearer?: (authorization: string | undefined) => boolean;
}

/**
 * Every request to an operation that is not public must be signed or carry a token, before its input is even
 * validated, so an anonymous caller learns nothing from the answers. Then the operation's access decides with
 * the caller's role and project, and a state-changing signed request must not have been seen before. A
 * request that matches no operation is authenticated too (404 and 405 are for callers only), and judged by
 * its path as before operations declared their access.
 */
export function installAuth(app: FastifyInstance, guards: AuthGuards): void {
  const { auth, clock, limiter, replays } = guards;
  app.addHook('preValidation', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    // The web console's own files: public, and every call they make is authenticated like any other.
    if (isPublicAsset(request.routeOptions.config)) return;
    if (access === 'metrics' && guards.metricsBearer?.(request.headers.authorization)) return;
    if (access === undefined && OPEN_PATHS.some((prefix) => request.url.startsWith(prefix))) return;
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
        streamedBody: request.routeOptions.config.streamedBody === true,
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
    if (access === undefined) authorizeUnmatched(caller, request);
    else authorize(caller, request, access);
    await replays.admit(request.method, caller);
    request.caller = caller;
  });
}

const forbidden = () =>
  new DomainError('role_forbidden', 'This role does not have the permission to perform this operation.');
const readOnly = () =>
  new DomainError('read_only', 'This tenant has read permission only and cannot perform this operation.');

function authorize(caller: Caller, request: FastifyRequest, access: Exclude<Access, 'public'>): void {
  if (access === 'caller') return;
  if ((access === 'admin' || access === 'metrics') && caller.role !== 'admin') throw forbidden();
  if (access === 'metrics') return;
  requireProject(caller, request);
  if (access === 'write' && caller.role === 'viewer') throw readOnly();
}

/** A path no operation serves (it will answer 404 or 405): the answer a route under that path would give. */
function authorizeUnmatched(caller: Caller, request: FastifyRequest): void {
  const path = request.url.split('?', 1)[0]!;
  if (path.startsWith('/auth/v1/tokens')) return;
  if (path.startsWith('/admin/') && caller.role !== 'admin') throw forbidden();
  requireProject(caller, request);
  if (caller.role === 'viewer' && request.method !== 'GET' && request.method !== 'HEAD') throw readOnly();
}

/** The path's project must be the caller's (admins: any), and the one X-Project-Id names, if sent. */
function requireProject(caller: Caller, request: FastifyRequest): void {
  const projectId = (request.params as { project_id?: string } | undefined)?.project_id;
  if (projectId === undefined) return;
  const claimed = request.headers['x-project-id'];
  if (
    (claimed !== undefined && claimed !== projectId) ||
    (caller.role !== 'admin' && caller.projectId !== projectId)
  ) {
    throw new DomainError('project_mismatch', 'Project ID does not match the token.');
  }
}
