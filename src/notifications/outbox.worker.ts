import { Logger, Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { MAIL_CONFIG, type MailConfig } from '../config/mail-config.js';
import { MailIdentity } from './mail-identity.js';
import { MailTemplates } from './mail-templates.js';
import { MailTransport } from './mail-transport.js';
import { composeMail, UndeliverableError, type OutgoingMail } from './notification-mail.js';
import { OutboxRepository } from './outbox.repository.js';

export interface OutboxRunReport {
  tenant: string;
  sent: number;
  retried: number;
  dead: number;
  /** The SMTP server could not be reached: the run stopped, what was claimed is due again later. */
  unreachable: boolean;
}

/** At most this many batches per tenant and run, so one tenant's backlog does not starve the others. */
const MAX_BATCHES = 20;

/**
 * Delivers a tenant's outbox. Rows are claimed in batches (SKIP LOCKED plus a lease), so
 * several workers never send the same row at once; each is marked sent only after the SMTP
 * server accepted it. A refusal is retried with exponential backoff and dies after
 * `maxAttempts`; an unreachable server stops the run and delays the batch without killing
 * anything. Every attempt of a row carries the same Message-ID.
 */
@Injectable()
export class OutboxWorker implements OnModuleDestroy {
  private readonly logger = new Logger('Outbox');
  /** Set when the application closes: the run in progress stops after the mail it is sending. */
  private stopping = false;

  constructor(
    private readonly repository: OutboxRepository,
    private readonly transport: MailTransport,
    private readonly templates: MailTemplates,
    private readonly identity: MailIdentity,
    @Inject(MAIL_CONFIG) private readonly config: MailConfig,
    private readonly clock: Clock,
  ) {}

  /** Called before the scheduler waits for runs in progress (its beforeApplicationShutdown). */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  async run(ctx: RequestContext): Promise<OutboxRunReport> {
    const report: OutboxRunReport = { tenant: ctx.tenantId, sent: 0, retried: 0, dead: 0, unreachable: false };
    if (!this.transport.configured) return report;
    for (let batch = 0; batch < MAX_BATCHES && !report.unreachable && !this.stopping; batch++) {
      const now = this.clock.now();
      const claimed = await this.repository.claim(ctx, now, new Date(now.getTime() + this.config.leaseMs), this.config.batchSize);
      if (!claimed.length) break;
      const rows = await this.repository.load(ctx, claimed.map((c) => c.id));
      for (let i = 0; i < rows.length; i++) {
        if (this.stopping) {
          // Shutting down: the rest of the batch is due again now, for another instance, not at the end of the lease.
          await this.repository.release(ctx, rows.slice(i).map((r) => r.id), this.clock.now());
          this.logger.log(`shutting down: ${rows.length - i} claimed notifications released`);
          return report;
        }
        const row = rows[i];
        let mail: OutgoingMail;
        try {
          mail = composeMail(ctx.tenant, row, { config: this.config, identity: this.identity, templates: this.templates });
        } catch (error) {
          // Nothing will change by retrying: the row waits in the dead letters for an administrator.
          const reason = error instanceof UndeliverableError ? error.message : `template: ${(error as Error).message}`;
          await this.repository.markFailed(ctx, row.id, reason, this.clock.now(), true);
          report.dead++;
          continue;
        }
        const result = await this.transport.send(mail);
        const at = this.clock.now();
        if (result.ok) {
          await this.repository.markSent(ctx, row.id, at);
          report.sent++;
          continue;
        }
        const attempts = row.attempts + 1;
        const next = new Date(at.getTime() + this.backoff(attempts));
        const dead = result.refused && attempts >= this.config.maxAttempts;
        await this.repository.markFailed(ctx, row.id, result.error, next, dead);
        if (dead) report.dead++;
        else report.retried++;
        if (!result.refused) {
          report.unreachable = true;
          await this.repository.release(ctx, rows.slice(i + 1).map((r) => r.id), next);
          this.logger.warn(`SMTP server unreachable (${result.error}); next attempt at ${next.toISOString()}`);
          break;
        }
      }
      if (claimed.length < this.config.batchSize) break;
    }
    return report;
  }

  /** base × 2^(n−1), capped. */
  backoff(attempts: number): number {
    return Math.min(this.config.retryBaseMs * 2 ** Math.max(0, attempts - 1), this.config.retryMaxMs);
  }
}
