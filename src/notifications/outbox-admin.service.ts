import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { type OutboxEntry, OutboxRepository, type OutboxStatus } from './outbox.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The outbox seen by a tenant's administrators: dead letters (and the rest) listed, retried. */
@Injectable()
export class OutboxAdminService {
  constructor(
    private readonly repository: OutboxRepository,
    private readonly clock: Clock,
  ) {}

  async list(ctx: RequestContext, status: OutboxStatus = 'dead', limit = 50): Promise<{ counts: Record<OutboxStatus, number>; items: OutboxEntry[] }> {
    this.requireAdmin(ctx);
    const [counts, items] = await Promise.all([this.repository.counts(ctx), this.repository.list(ctx, status, Math.min(Math.max(limit, 1), 200))]);
    return { counts, items };
  }

  /** One row back to pending, due now, attempts reset; a sent row cannot be sent again. */
  async retry(ctx: RequestContext, id: string): Promise<{ id: string; status: OutboxStatus }> {
    this.requireAdmin(ctx);
    const status = UUID.test(id) ? await this.repository.statusOf(ctx, id) : undefined;
    if (!status) throw new DomainError('NOT_FOUND');
    if (status === 'sent') throw new DomainError('MAIL_ALREADY_SENT');
    await this.repository.retry(ctx, [id], this.clock.now());
    return { id, status: 'pending' };
  }

  async retryAllDead(ctx: RequestContext): Promise<{ retried: number }> {
    this.requireAdmin(ctx);
    return { retried: (await this.repository.retry(ctx, null, this.clock.now())).length };
  }

  private requireAdmin(ctx: RequestContext): void {
    if (!ctx.actor.roles.includes('admin')) throw new DomainError('FORBIDDEN');
  }
}
