import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { Metrics } from '../observability/metrics.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { OutboxRepository } from './outbox.repository.js';

/** The outbox seen from Prometheus, per tenant, read at scrape time: what waits, since when, what died. */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly contexts: TenantContexts,
    private readonly repository: OutboxRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // One scrape reads each tenant once, shared by the three gauges.
    let last: Promise<{ tenant: string; pending: number; dead: number; age: number }[]> | undefined;
    let at = 0;
    const read = () => {
      if (!last || Date.now() - at > 1000) {
        at = Date.now();
        last = Promise.all(
          this.contexts.all().map(async (ctx) => {
            const b = await this.repository.backlog(ctx);
            return { tenant: ctx.tenantId, pending: b.pending, dead: b.dead, age: b.oldestPendingAt ? Math.max(0, (this.clock.now().getTime() - b.oldestPendingAt.getTime()) / 1000) : 0 };
          }),
        );
      }
      return last;
    };
    this.metrics.gauge('guichet_outbox_pending', 'Notifications waiting to be sent', ['tenant'], async () => (await read()).map((r) => ({ labels: { tenant: r.tenant }, value: r.pending })));
    this.metrics.gauge('guichet_outbox_oldest_pending_seconds', 'Age of the oldest notification waiting to be sent', ['tenant'], async () => (await read()).map((r) => ({ labels: { tenant: r.tenant }, value: r.age })));
    this.metrics.gauge('guichet_outbox_dead', 'Dead letters: notifications given up, waiting for an administrator', ['tenant'], async () => (await read()).map((r) => ({ labels: { tenant: r.tenant }, value: r.dead })));
  }
}
