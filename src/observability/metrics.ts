import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A gauge whose value is read when Prometheus scrapes: one call per scrape, its labels and values. */
export type GaugeReader = () => Promise<{ labels?: Record<string, string>; value: number }[]>;

/**
 * The process's Prometheus metrics, on a registry of its own (not prom-client's global one), so
 * that two instances in one process (tests) do not mix. Domains record into it or register
 * gauges read at scrape time; `/metrics` serialises it.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'guichet_http_request_duration_seconds',
    help: 'HTTP requests by route template, method, status and tenant',
    labelNames: ['method', 'route', 'status', 'tenant'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly signInFailures = new Counter({
    name: 'guichet_sign_in_failures_total',
    help: 'Sign-ins refused, by tenant and reason (bad credentials, lockout, rate limit, state…)',
    labelNames: ['tenant', 'reason'] as const,
    registers: [this.registry],
  });

  readonly jobRuns = new Counter({
    name: 'guichet_job_runs_total',
    help: 'Background job runs (timers, outbox, plugin tasks) by outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'guichet_job_duration_seconds',
    help: 'How long one run of a background job took',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly slaBreaches = new Counter({
    name: 'guichet_sla_breaches_total',
    help: 'SLA clocks found breached by the SLA job',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge computed at scrape time (pool, outbox depth, timer lag); a failing reader leaves the gauge empty. */
  gauge(name: string, help: string, labelNames: string[], read: GaugeReader): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const { labels, value } of await read().catch(() => [])) {
          if (labels) this.set(labels, value);
          else this.set(value);
        }
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
