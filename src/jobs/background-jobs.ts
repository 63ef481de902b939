import { Inject, Injectable } from '@nestjs/common';
import { OutboxWorker, type OutboxRunReport } from '../notifications/outbox.worker.js';
import { SlaJob } from '../sla/sla.job.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { TimerService } from './timer.service.js';

/** Housekeeping of a tenant that lives above the domains (expired sessions, sign-in counters): bound in the composition root. */
export interface TenantMaintenance {
  sweep(ctx: RequestContext): Promise<unknown>;
}

/** Injection token of the list of TenantMaintenance run with the timers. */
export const TENANT_MAINTENANCE = Symbol('TENANT_MAINTENANCE');

/** One run of every tenant's background work, as the scheduler, the CLI and the tests start it. */
@Injectable()
export class BackgroundJobs {
  constructor(
    private readonly contexts: TenantContexts,
    private readonly timers: TimerService,
    private readonly sla: SlaJob,
    private readonly outbox: OutboxWorker,
    @Inject(TENANT_MAINTENANCE) private readonly maintenance: TenantMaintenance[],
  ) {}

  /** Every tenant's timers and SLA breaches, then its housekeeping. */
  async runTimers() {
    const reports = [];
    for (const ctx of this.contexts.all()) {
      reports.push(...(await this.timers.runAll(ctx)));
      reports.push(...(await this.sla.run(ctx)));
      for (const task of this.maintenance) await task.sweep(ctx);
    }
    return reports;
  }

  /** Delivers every tenant's due notifications once; stops early when the SMTP server is unreachable. */
  async runOutbox(): Promise<OutboxRunReport[]> {
    const reports: OutboxRunReport[] = [];
    for (const ctx of this.contexts.all()) {
      const report = await this.outbox.run(ctx);
      reports.push(report);
      if (report.unreachable) break;
    }
    return reports;
  }
}
