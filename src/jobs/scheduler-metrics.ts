import type { Clock } from '../core/clock.ts';
import type { ServiceMetrics } from '../core/metrics.ts';
import type { SchedulerEvent } from './backup-scheduler.ts';

/** Turns the scheduler's events into counts: windows started, busy or missed, their lag, and expiries. */
export function schedulerEventMetrics(
  metrics: ServiceMetrics,
  clock: Clock,
): (event: SchedulerEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'started':
      case 'busy':
      case 'missed':
        metrics.schedulerWindow(event.kind, (clock.now() - event.windowAt) / 1000);
        return;
      case 'missed-unrecorded':
        // Windows older than the horizon, counted at once: their lag is at least a week, not worth a sample.
        metrics.schedulerWindow('missed', null, event.windows);
        return;
      case 'expired':
        metrics.cleanupActions('expired', 1);
    }
  };
}
