import type { FastifyInstance, FastifySchema } from 'fastify';
import { emptyBodyWhenAbsent } from '../optional-body.ts';
import type { Access, AnyOperation, OperationDeps } from './operation.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The operation a route serves (ListBackupRecords, …): read it as request.routeOptions.config.operationId,
     * for metrics and logs. Unset on the not-found handler.
     */
    operationId?: string;
    /** Who may call it (see Access); unset on the not-found handler. */
    access?: Access;
    /** The body is an octet stream the handler reads itself, after authentication (see Operation). */
    streamedBody?: boolean;
  }
}

/** Registers each operation as a Fastify route: its body and answers validated and serialised from its schemas. */
export function registerOperations(
  app: FastifyInstance,
  operations: readonly AnyOperation[],
  deps: OperationDeps,
): void {
  for (const operation of operations) {
    app.route({
      method: operation.method,
      url: operation.path,
      schema: runtimeSchema(operation),
      config: {
        operationId: operation.id,
        access: operation.access,
        ...(operation.streamedBody ? { streamedBody: true } : {}),
      },
      ...(operation.optionalBody ? { preValidation: emptyBodyWhenAbsent } : {}),
      // The one place a request meets its operation's types: Fastify has validated it against the same schemas.
      handler: (request, reply) => operation.handle(request as never, reply as never, deps),
    });
  }
}

/**
 * What Fastify checks and serialises: the body and the JSON answers. Path and query parameters are documented
 * only; the handlers check them, as DCS gives them codes of their own (see path-params.ts and list-query.ts).
 */
function runtimeSchema(operation: AnyOperation): FastifySchema {
  const response = Object.fromEntries(
    Object.entries(operation.schemas.responses).filter(([, schema]) => schema !== null),
  );
  return {
    ...(operation.schemas.body ? { body: operation.schemas.body } : {}),
    ...(Object.keys(response).length > 0 ? { response } : {}),
  };
}
