import type { Clock } from '../core/clock.ts';
import type { MetadataStore, RedisProbe } from '../core/ports.ts';

/** What the HTTP layer needs from the composition root. */
export interface AppDeps {
  store: MetadataStore;
  probe: RedisProbe;
  clock: Clock;
}
