/** Time is injected everywhere it matters, so tests never depend on the wall clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
