/** One dependency the service needs to do its work; check() throws when it cannot be used now. */
export interface ReadinessCheck {
  /** A fixed name (database, blob_store): the answer names the failing part, never its address or error. */
  name: string;
  check(): Promise<void>;
}

/** A check that has not answered by then counts as failing: a load balancer must get its answer quickly. */
export const READINESS_TIMEOUT_MS = 3_000;

/**
 * What GET /readyz answers: each check's state by its fixed name, and whether all are ok. A check that throws or
 * does not answer in time is failing; its reason goes to the log only (`log`), never into the answer.
 */
export async function readiness(
  checks: readonly ReadinessCheck[],
  log: (name: string, reason: string) => void,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<{ ready: boolean; checks: Record<string, 'ok' | 'failing' | 'timeout'> }> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      const outcome = await withTimeout(check(), timeoutMs);
      if (outcome !== 'ok') log(name, outcome.reason);
      return [name, outcome === 'ok' ? 'ok' : outcome.state] as const;
    }),
  );
  return { ready: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
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
