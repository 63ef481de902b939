import { Controller, Get, HttpStatus, Logger, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DatabaseHealth } from '../database/database-health.js';
import { Deployment } from '../deployment/deployment.service.js';
import { JobScheduler } from '../jobs/job-scheduler.js';
import { ProcessState } from '../observability/process-state.js';
import { StorageDriver } from '../storage/storage.js';
import { TenantRegistry } from '../tenancy/tenant-registry.js';

/** What one readiness check found: `ok` (or `off` for a job turned off), or why not, in a word. */
type CheckResult = 'ok' | 'off' | 'failed' | 'pending' | 'stalled' | 'draining';

const CHECK_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly database: DatabaseHealth,
    private readonly deployment: Deployment,
    private readonly registry: TenantRegistry,
    private readonly jobs: JobScheduler,
    private readonly storage: StorageDriver,
    private readonly state: ProcessState,
  ) {}

  /** 200 when the database answers, 503 otherwise (kept as it was for existing monitors). */
  @Get()
  async health(@Res() res: Response): Promise<void> {
    try {
      await this.database.ping();
      res.status(HttpStatus.OK).json({ status: 'ok' });
    } catch {
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({ status: 'unavailable' });
    }
  }

  /** The process is up and answering: restart it only when this fails. Touches nothing else. */
  @Get('live')
  live(@Res() res: Response): void {
    res.status(HttpStatus.OK).json({ status: 'ok' });
  }

  /**
   * Whether this instance should get traffic: the database answers, every migration is applied,
   * the packs are loaded and synced, the outbox worker is running (or turned off), the storage
   * takes a write, and the process is not shutting down. 503 names each failing check.
   */
  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    const checks: Record<string, CheckResult> = {};
    if (this.state.draining) checks.shutdown = 'draining';
    const [database, migrations, storage] = await Promise.all([
      this.check('database', () => this.database.ping(CHECK_TIMEOUT_MS)),
      this.check('migrations', async () => {
        if (await this.database.migrationsPending(CHECK_TIMEOUT_MS)) return 'pending';
      }),
      this.check('storage', () => withTimeout(this.storage.probe(), CHECK_TIMEOUT_MS)),
    ]);
    Object.assign(checks, { database, migrations: database === 'ok' ? migrations : 'failed' });
    checks.packs = this.deployment.prepared && this.registry.all().length > 0 ? 'ok' : 'pending';
    const outbox = this.jobs.status('guichet-outbox');
    checks.outbox = outbox === 'alive' ? 'ok' : outbox;
    checks.storage = storage;
    const failing = Object.entries(checks).filter(([, result]) => result !== 'ok' && result !== 'off').map(([name]) => name);
    res.status(failing.length ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.OK).json({ status: failing.length ? 'unavailable' : 'ok', checks, ...(failing.length ? { failing } : {}) });
  }

  private async check(name: string, probe: () => Promise<CheckResult | void>): Promise<CheckResult> {
    try {
      return (await probe()) ?? 'ok';
    } catch (error) {
      this.logger.warn(`readiness check ${name} failed: ${(error as Error).message}`);
      return 'failed';
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}
