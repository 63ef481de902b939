import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { Metrics } from '../observability/metrics.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { SlaRepository } from './sla.repository.js';
import { SlaService } from './sla.service.js';

const BATCH = 500;

export interface SlaRunReport {
  tenant: string;
  timer: 'sla-sync' | 'sla-breached' | 'sla-warning';
  affected: number;
}

/**
 * The SLA's background work, set-based and safe with several instances: clocks left stale by
 * set-based status changes are brought up to date, then warnings and breaches that are due fire
 * once each: the rows are claimed with SKIP LOCKED and marked in the same statement that writes
 * the event and the team's notifications.
 */
@Injectable()
export class SlaJob {
  constructor(
    private readonly sla: SlaService,
    private readonly repository: SlaRepository,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  async run(ctx: RequestContext): Promise<SlaRunReport[]> {
    if (!ctx.tenant.config.sla) return [];
    const synced = await this.sync(ctx);
    // Breaches first: a clock found past both its warning and its deadline reports the breach only.
    const breached = await this.fire(ctx, 'breached');
    const warned = await this.fire(ctx, 'warning');
    if (breached) this.metrics.slaBreaches.inc({ tenant: ctx.tenantId }, breached);
    return [
      { tenant: ctx.tenantId, timer: 'sla-sync', affected: synced },
      { tenant: ctx.tenantId, timer: 'sla-breached', affected: breached },
      { tenant: ctx.tenantId, timer: 'sla-warning', affected: warned },
    ];
  }

  /** Recomputes stale clocks as of the status change; a ticket being changed right now is left to its own transaction. */
  private async sync(ctx: RequestContext): Promise<number> {
    let count = 0;
    for (const { ticket_id: id, since } of await this.repository.stale(ctx, BATCH)) {
      count += await ctx.transaction(async (tx) => {
        const ticket = await this.repository.lockTicketIfFree(tx, id);
        if (!ticket) return 0;
        await this.sla.refresh(tx, ticket, new Date(since));
        return 1;
      });
    }
    return count;
  }

  private async fire(ctx: RequestContext, kind: 'breached' | 'warning'): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const n = await ctx.transaction((tx) => this.repository.fire(tx, kind, now, BATCH));
      total += n;
      if (n < BATCH) return total;
    }
  }
}
