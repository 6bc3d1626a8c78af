import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidParameter } from '../core/errors.ts';
import { storageFailureOf } from '../core/storage-failure.ts';
import type { DcsErrorBody } from './dcs-error-body.ts';
import { ERROR_CATALOGUE } from './error-catalogue.ts';
import type { RouteTable } from './route-table.ts';

/** Renders a domain error as the DCS body with the status the catalogue gives it. */
export function sendDomainError(reply: FastifyReply, error: DomainError): FastifyReply {
  const entry = ERROR_CATALOGUE[error.code];
  const body: DcsErrorBody = {
    error_code: entry.dcsCode,
    error_msg: error.message || entry.message,
    error_ext_msg: null,
  };
  return reply.code(entry.status).type('application/json; charset=utf-8').send(body);
}

/** Every failure, including Fastify's own, leaves as a DCS-shaped body; nothing internal leaks. */
export function installErrorHandling(app: FastifyInstance, routes: RouteTable): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const domain = toDomainError(error, request);
    if (domain.code === 'storage_full' || domain.code === 'storage_read_only') {
      // The underlying code (SQLITE_FULL, ENOSPC, SQLITE_READONLY, EROFS) is what the operator needs.
      const cause = storageFailureOf(error)?.code;
      request.log.error({ err: error, cause }, `storage refused a write: ${cause}`);
    } else if (domain.code === 'internal') {
      request.log.error({ err: error }, 'unexpected error');
    }
    return sendDomainError(reply, domain);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const known = routes.methodsFor(path);
    if (known.length > 0) {
      reply.header('Allow', known.join(', '));
      return sendDomainError(reply, new DomainError('method_not_allowed', ''));
    }
    return sendDomainError(reply, new DomainError('route_not_found', ''));
  });
}

function toDomainError(error: FastifyError, request: FastifyRequest): DomainError {
  if (error instanceof DomainError) return error;
  if (error.validationContext === 'body' && request.body === undefined)
    return new DomainError('empty_body', '');
  if (error.validation && error.validation.length > 0) {
    return invalidParameter(parameterOf(error.validation[0]!));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DomainError('empty_body', '');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainError('invalid_body', '');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('body_too_large', '');
  }
  if (error instanceof SyntaxError) return new DomainError('invalid_body', '');
  const storage = storageFailureOf(error);
  if (storage) return new DomainError(storage.kind === 'full' ? 'storage_full' : 'storage_read_only', '');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new DomainError('invalid_parameter', 'Invalid request.');
  }
  return new DomainError('internal', '');
}

interface ValidationIssue {
  instancePath?: string;
  params?: Record<string, unknown>;
}

function parameterOf(issue: ValidationIssue): string {
  const named = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof named === 'string') return named;
  const path = issue.instancePath?.replace(/^\//, '').replace(/\//g, '.');
  return path || 'body';
}
