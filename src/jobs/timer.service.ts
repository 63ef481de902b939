import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { TimerDefinition } from '../lifecycle/lifecycle.js';
import { StorageDriver } from '../storage/storage.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { TimerRepository } from './timer.repository.js';

export interface TimerRunReport {
  tenant: string;
  timer: string;
  affected: number;
}

const BATCH = 500;

/**
 * Runs a pack's timers. Due tickets are claimed in batches by one statement (SKIP LOCKED, so
 * several instances running together act once per ticket); a timer's transition is then applied
 * by the same function as a person's (`TicketActionsService.apply`), so its effects, history,
 * notifications and every event subscriber are the same.
 */
@Injectable()
export class TimerService {
  constructor(
    private readonly repository: TimerRepository,
    private readonly actions: TicketActionsService,
    private readonly clock: Clock,
    private readonly storage: StorageDriver,
  ) {}

  async runAll(ctx: RequestContext): Promise<TimerRunReport[]> {
    const reports: TimerRunReport[] = [];
    for (const timer of ctx.tenant.lifecycle.timers) {
      const affected = timer.apply ? await this.applyTimer(ctx, timer) : await ctx.transaction((tx) => this.repository.remind(tx, timer, this.clock.now()));
      reports.push({ tenant: ctx.tenantId, timer: timer.name, affected });
    }
    if (ctx.tenant.config.retention) reports.push({ tenant: ctx.tenantId, timer: 'retention', affected: await this.retire(ctx) });
    return reports;
  }

  private async applyTimer(ctx: RequestContext, timer: TimerDefinition): Promise<number> {
    const lifecycle = ctx.tenant.lifecycle;
    const transition = lifecycle.find(timer.apply!, timer.when, '*') ?? lifecycle.transitions.find((t) => t.name === timer.apply && t.from.includes(timer.when))!;
    let total = 0;
    for (;;) {
      const moved = await ctx.transaction(async (tx) => {
        const due = await this.repository.claimDue(tx, timer, transition.types ?? null, this.clock.now(), BATCH);
        for (const ticket of due) await this.actions.apply(tx, ticket, transition, { timer: timer.name });
        return due.length;
      });
      total += moved;
      if (moved < BATCH) return total;
    }
  }

  private async retire(ctx: RequestContext): Promise<number> {
    const retention = ctx.tenant.config.retention!;
    const { count, keys } = await ctx.transaction((tx) => this.repository.retire(tx, retention.action, retention.closed, this.clock.now()));
    for (const key of keys) await this.storage.remove(key);
    return count;
  }
}
