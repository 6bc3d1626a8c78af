import type { FastifyInstance } from 'fastify';
import { DomainError } from '../core/errors.ts';
import { sendDomainError } from './error-handling.ts';

/**
 * Once the app is closing, a request that still arrives (on a kept-alive connection) is answered 503 with
 * the DCS body and "Connection: close", instead of Fastify's own 503 body (return503OnClosing is off for
 * that reason). Requests already being handled finish normally.
 */
export function installClosingAnswer(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('Connection', 'close');
    return sendDomainError(reply, new DomainError('service_closing', ''));
  });
}
