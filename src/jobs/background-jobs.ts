import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { GuichetPlugin } from '../plugin-host/plugin.js';
import { PluginRegistry } from '../plugin-host/plugin-registry.js';
import type { PluginTaskDefinition } from '../plugin-host/plugin-tasks.js';
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

/** What one plugin task did in one tenant: its result, or the error it failed with. */
export interface PluginTaskReport {
  job: string;
  tenant: string;
  result?: unknown;
  error?: string;
}

/** One run of every tenant's background work, as the scheduler, the CLI and the tests start it. */
@Injectable()
export class BackgroundJobs {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly contexts: TenantContexts,
    private readonly timers: TimerService,
    private readonly sla: SlaJob,
    private readonly outbox: OutboxWorker,
    @Inject(TENANT_MAINTENANCE) private readonly maintenance: TenantMaintenance[],
    private readonly plugins: PluginRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The plugins' tasks, each under its job name `<plugin>:<task>`. */
  pluginTasks(): { job: string; plugin: GuichetPlugin; task: PluginTaskDefinition }[] {
    return this.plugins.all().flatMap((plugin) => (plugin.tasks ?? []).map((task) => ({ job: `${plugin.name}:${task.name}`, plugin, task })));
  }

  /** One plugin task for every tenant; a tenant's failure is logged and reported, the others still run. */
  async runPluginTask(task: PluginTaskDefinition, job = task.name): Promise<PluginTaskReport[]> {
    const runner = this.moduleRef.get(task.task, { strict: false });
    const reports: PluginTaskReport[] = [];
    for (const ctx of this.contexts.all()) {
      try {
        reports.push({ job, tenant: ctx.tenantId, result: await runner.run(ctx) });
      } catch (error) {
        this.logger.error(`${job} failed in ${ctx.tenantId}: ${(error as Error).stack ?? error}`);
        reports.push({ job, tenant: ctx.tenantId, error: (error as Error).message });
      }
    }
    return reports;
  }

  /** Every plugin task once, one after the other (`guichet plugin-tasks`, tests). */
  async runPluginTasks(): Promise<PluginTaskReport[]> {
    const reports: PluginTaskReport[] = [];
    for (const { job, task } of this.pluginTasks()) reports.push(...(await this.runPluginTask(task, job)));
    return reports;
  }

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
