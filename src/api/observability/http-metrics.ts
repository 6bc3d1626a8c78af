import type { FastifyInstance } from 'fastify';
import type { HttpMetrics } from './prometheus-metrics.ts';
import { operationOf } from './route-config.ts';

/** Counts every answered request by operation and status, with its latency. */
export function installHttpMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequest(operationOf(request), reply.statusCode, reply.elapsedTime / 1000);
  });
}
