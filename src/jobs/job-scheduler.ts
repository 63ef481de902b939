import { BackgroundJobs } from './background-jobs.js';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { JobIntervals } from '../config/app-config.js';
import { Metrics } from '../observability/metrics.js';

export type { JobIntervals } from '../config/app-config.js';

export const JOB_INTERVALS = Symbol('JOB_INTERVALS');

/**
 * Runs the timers, the outbox worker and the plugins' tasks on intervals (@nestjs/schedule's registry), in every
 * instance: their SQL claims rows with SKIP LOCKED, so instances running together never act
 * twice. A run never overlaps the previous one of the same job, and closing the application
 * waits for the runs in progress.
 */
@Injectable()
export class JobScheduler implements OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly running = new Map<string, Promise<void>>();
  private readonly names: string[] = [];
  private started = Date.now();
  private begun = false;
  private readonly lastFinished = new Map<string, number>();
  private stopping = false;

  constructor(
    private readonly jobs: BackgroundJobs,
    @Inject(SchedulerRegistry) private readonly registry: SchedulerRegistry,
    @Inject(JOB_INTERVALS) private readonly intervals: JobIntervals,
    private readonly metrics: Metrics,
  ) {
    metrics.gauge('guichet_job_seconds_since_run', 'Seconds since a background job last finished a run (since boot before its first): timer and outbox lag', ['job'], async () =>
      this.names.map((job) => ({ labels: { job }, value: this.secondsSinceRun(job) })),
    );
  }

  /**
   * Whether the job is alive: off (interval 0), or it finished a run within three intervals
   * (at least a minute) of now, counting from the boot before its first run. A run that hangs,
   * or a scheduler that stopped, makes it not alive.
   */
  status(name: 'guichet-timers' | 'guichet-outbox' | string, now = Date.now()): 'off' | 'alive' | 'stalled' {
    const ms = name === 'guichet-timers' ? this.intervals.timersMs : name === 'guichet-outbox' ? this.intervals.outboxMs : this.intervals.pluginTasksMs;
    if (!ms || !(ms > 0)) return 'off';
    const last = this.lastFinished.get(name) ?? this.started;
    return now - last <= Math.max(3 * ms, 60_000) && !this.stopping ? 'alive' : 'stalled';
  }

  /** Seconds since the job last finished a run (since boot before the first): the timer lag metric. */
  secondsSinceRun(name: string, now = Date.now()): number {
    return (now - (this.lastFinished.get(name) ?? this.started)) / 1000;
  }

  /**
   * Starts the intervals. Called by the boot once the deployment is prepared (`createApp`,
   * `createContext`): a job that ran during migrations would meet tables without their grants.
   */
  start(): void {
    if (this.begun || this.stopping) return;
    this.begun = true;
    this.started = Date.now();
    this.every('guichet-timers', this.intervals.timersMs, () => this.jobs.runTimers());
    this.every('guichet-outbox', this.intervals.outboxMs, () => this.jobs.runOutbox());
    for (const { job, task } of this.jobs.pluginTasks()) this.every(`plugin-task:${job}`, this.intervals.pluginTasksMs, () => this.jobs.runPluginTask(task, job));
  }

  /** No new run starts once the application closes. */
  onModuleDestroy(): void {
    this.stopping = true;
    for (const name of this.names) if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
  }

  /**
   * Runs in progress finish before the pool closes: timers' claims are row locks that end with
   * their transaction, the outbox worker releases what it claimed and has not sent (told to stop
   * in its onModuleDestroy, which Nest calls before this).
   */
  async beforeApplicationShutdown(): Promise<void> {
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
    if (this.running.has(name) || this.stopping) return;
    const end = this.metrics.jobDuration.startTimer({ job: name });
    const run = job()
      .then(() => {
        this.lastFinished.set(name, Date.now());
        this.metrics.jobRuns.inc({ job: name, outcome: 'ok' });
      })
      .catch((error: Error) => {
        this.metrics.jobRuns.inc({ job: name, outcome: 'failed' });
        this.logger.error(`${name} failed: ${error.stack ?? error}`);
      })
      .finally(() => {
        end();
        this.running.delete(name);
      });
    this.running.set(name, run);
  }
}
