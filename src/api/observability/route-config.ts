import type { FastifyRequest } from 'fastify';

// The route config's operationId and access are declared with the operations (register-operations.ts).

/**
 * The operation a request was routed to: its operation id when the route names one, else its method and
 * path pattern (never the concrete URL, which would make a label per instance id); `unmatched` for 404s.
 */
export function operationOf(request: FastifyRequest): string {
  const options = request.routeOptions;
  const id = options.config?.operationId;
  if (id) return id;
  return options.url ? `${request.method} ${options.url}` : 'unmatched';
}
