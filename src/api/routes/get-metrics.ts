import { defineOperation } from '../operations/operation.ts';

export const GetMetrics = defineOperation({
  id: 'GetMetrics',
  method: 'GET',
  path: '/metrics',
  // Admins, or the DCS_METRICS_TOKEN bearer token when one is configured (install-auth.ts).
  access: 'metrics',
  summary: 'Prometheus metrics of the service',
  coverage: {
    family: 'service',
    status:
      'Prometheus text format; an admin credential, or the `DCS_METRICS_TOKEN` bearer token (docs/alerts.md)',
  },
  schemas: { responses: { 200: null } },
  produces: 'text/plain; version=0.0.4',
  errors: [],
  async handle(_request, reply, deps) {
    const { contentType, body } = await deps.metricsExposition.render();
    return reply.header('Content-Type', contentType).header('Cache-Control', 'no-store').send(body);
  },
});
