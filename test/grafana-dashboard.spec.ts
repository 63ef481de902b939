import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Metrics } from '../src/observability/metrics.js';
import { ROOT } from './setup/test-app.js';

/** The dashboard in config/ only queries metrics the application exports. */
describe('Grafana dashboard', () => {
  it('names only metrics that exist', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'config', 'grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const metrics = new Metrics();
    const names = new Set((await metrics.registry.getMetricsAsJSON()).flatMap((m) => (String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`] : [m.name])));
    for (const name of ['guichet_outbox_pending', 'guichet_outbox_dead', 'guichet_outbox_oldest_pending_seconds', 'guichet_db_pool_connections', 'guichet_db_pool_waiting', 'guichet_job_seconds_since_run']) names.add(name);
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(guichet|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });
});
