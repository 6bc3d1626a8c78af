import type { FastifyInstance } from 'fastify';
import './route-config.ts';

/** One dependency the service needs to do its work; check() throws when it cannot be used now. */
export interface ReadinessCheck {
  /** A fixed name (database, blob_store): the answer names the failing part, never its address or error. */
  name: string;
  check(): Promise<void>;
}

/** A check that has not answered by then counts as failing: a load balancer must get its answer quickly. */
export const READINESS_TIMEOUT_MS = 3_000;

/**
 * GET /healthz: the process is alive and serving HTTP. GET /readyz: it can do its work (the metadata database
 * answers with every migration applied, the blob store answers). Both answer without credentials, so they
 * say nothing of instances, addresses, versions or errors: the reason of a failure goes to the log.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: readonly ReadinessCheck[],
  timeoutMs = READINESS_TIMEOUT_MS,
): void {
  app.get('/healthz', { config: { operationId: 'CheckHealth', access: 'public' } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { config: { operationId: 'CheckReadiness', access: 'public' } },
    async (request, reply) => {
      const results = await Promise.all(
        checks.map(async ({ name, check }) => {
          const outcome = await withTimeout(check(), timeoutMs);
          if (outcome !== 'ok') request.log.warn({ check: name, reason: outcome.reason }, 'not ready');
          return [name, outcome === 'ok' ? 'ok' : outcome.state] as const;
        }),
      );
      const ready = results.every(([, state]) => state === 'ok');
      reply.code(ready ? 200 : 503).header('Cache-Control', 'no-store');
      return { status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) };
    },
  );
}

type Outcome = 'ok' | { state: 'failing' | 'timeout'; reason: string };

async function withTimeout(work: Promise<void>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'timeout', reason: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      work.then(
        (): Outcome => 'ok',
        (error: unknown): Outcome => ({
          state: 'failing',
          reason: String((error as Error)?.message ?? error),
        }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
