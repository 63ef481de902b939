import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Core } from '../core.js';

/** How often each background job runs, in milliseconds; 0 (or absent) turns it off. */
export interface JobIntervals {
  timersMs?: number;
  outboxMs?: number;
}

export const JOB_INTERVALS = Symbol('JOB_INTERVALS');

/**
 * Runs the timers and the outbox worker on intervals (@nestjs/schedule's registry), in every
 * instance: their SQL claims rows with SKIP LOCKED, so instances running together never act
 * twice. A run never overlaps the previous one of the same job, and closing the application
 * waits for the runs in progress.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Map<string, Promise<void>>();
  private readonly names: string[] = [];

  constructor(
    @Inject(Core) private readonly core: Core,
    @Inject(SchedulerRegistry) private readonly registry: SchedulerRegistry,
    @Inject(JOB_INTERVALS) private readonly intervals: JobIntervals,
  ) {}

  onApplicationBootstrap(): void {
    this.every('guichet-timers', this.intervals.timersMs, () => this.core.runTimers());
    this.every('guichet-outbox', this.intervals.outboxMs, () => this.core.runOutbox());
  }

  async onModuleDestroy(): Promise<void> {
    for (const name of this.names) if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    await Promise.allSettled(this.running.values());
  }

  private every(name: string, ms: number | undefined, job: () => Promise<unknown>): void {
    if (!ms || !(ms > 0)) return;
    const handle = setInterval(() => this.run(name, job), ms);
    handle.unref();
    this.registry.addInterval(name, handle);
    this.names.push(name);
  }

  private run(name: string, job: () => Promise<unknown>): void {
    if (this.running.has(name)) return;
    const run = job()
      .then(() => undefined)
      .catch((error: Error) => this.logger.error(`${name} failed: ${error.stack ?? error}`))
      .finally(() => this.running.delete(name));
    this.running.set(name, run);
  }
}
