import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { PrometheusMetrics } from '../../src/api/observability/prometheus-metrics.ts';

describe('docs/alerts.md', () => {
  it('describes every series the service exports, and none it does not', () => {
    const metrics = new PrometheusMetrics({
      sources: {
        queuedJobs: async () => 0,
        lastSucceededBackups: async () => new Map(),
        instances: async () => [],
      },
      processMetrics: false,
    });
    metrics.observeListingIndex(() => ({ bytes: 0, instances: 0 }));
    const exported = metrics.registry.getMetricsAsArray().map((metric) => metric.name);
    const doc = fs.readFileSync(new URL('../../docs/alerts.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(dcs_[a-z_]+)`/gm)].map((match) => match[1]);
    assert.ok(exported.length > 10);
    assert.deepEqual([...documented].sort(), [...exported].sort());
  });
});
