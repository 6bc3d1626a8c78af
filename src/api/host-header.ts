import type { FastifyInstance } from 'fastify';
import { DomainError } from '../core/errors.ts';
import { sendDomainError } from './error-handling.ts';

/**
 * HTTP/1.1 requires a Host header. Node would refuse its absence with a bare 400 of its own, so the server
 * lets such requests through (requireHostHeader off) and they are refused here with the DCS body instead.
 */
export function installHostRequirement(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const { httpVersionMajor, httpVersionMinor, headers } = request.raw;
    if (httpVersionMajor === 1 && httpVersionMinor >= 1 && headers.host === undefined) {
      reply.header('Connection', 'close');
      return sendDomainError(
        reply,
        new DomainError('malformed_request', 'The request is not valid HTTP: HTTP/1.1 needs a Host header.'),
      );
    }
  });
}
