import type { FastifyInstance } from 'fastify';
import type { MetricsExposition } from './prometheus-metrics.ts';
import './route-config.ts';

/**
 * GET /metrics on the service's port, in Prometheus text format. Access (see installAuth): the metrics bearer
 * token when DCS_METRICS_TOKEN is set, or an admin credential like the admin API.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: MetricsExposition): void {
  app.get(
    '/metrics',
    { config: { operationId: 'GetMetrics', access: 'metrics' } },
    async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      reply.header('Content-Type', contentType).header('Cache-Control', 'no-store');
      return body;
    },
  );
}
