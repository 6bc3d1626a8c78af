import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation's id (DCS operation ids for DCS routes): names it in metrics and logs. */
    operationId?: string;
    /**
     * Who may call beyond the usual credentials: `public` routes answer anyone (they reveal nothing: health
     * checks); `metrics` also accepts the metrics bearer token when one is configured, else an admin.
     */
    access?: 'public' | 'metrics';
  }
}

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
