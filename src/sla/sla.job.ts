import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { recipientRoles, recipientsSql } from '../notifications/recipients.js';
import type { TicketRow } from '../tickets/ticket.repository.js';
import { SlaRepository } from './sla.repository.js';
import { SlaService } from './sla.service.js';

const BATCH = 500;
const RETURNED = 't.tenant_id, t.id, t.reference, t.requester_id, t.beneficiary_id, t.assignee_id, t.team_id, t.establishment_id, t.visibility';

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
  ) {}

  async run(ctx: RequestContext): Promise<SlaRunReport[]> {
    if (!ctx.tenant.config.sla) return [];
    const synced = await this.sync(ctx);
    // Breaches first: a clock found past both its warning and its deadline reports the breach only.
    const breached = await this.fire(ctx, 'breached');
    const warned = await this.fire(ctx, 'warning');
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
        const [ticket] = await tx.query<TicketRow>(`SELECT t.* FROM ticket t WHERE t.tenant_id = $1 AND t.id = $2 FOR UPDATE SKIP LOCKED`, [tx.tenantId, id]);
        if (!ticket) return 0;
        await this.sla.refresh(tx, ticket, new Date(since));
        return 1;
      });
    }
    return count;
  }

  private async fire(ctx: RequestContext, kind: 'breached' | 'warning'): Promise<number> {
    const [at, mark] = kind === 'breached' ? ['due_at', 'breached_at'] : ['warn_at', 'warned_at'];
    // A warning is moot once the deadline has passed (the breach reports it).
    const extra = kind === 'warning' ? 'AND s.breached_at IS NULL AND s.due_at > $2' : '';
    const also = kind === 'breached' ? ', warned_at = coalesce(s.warned_at, $2)' : '';
    const topic = `ticket.sla-${kind}`;
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const n = await ctx.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>(
          `WITH due AS (
             SELECT s.ticket_id, s.clock FROM ticket_sla s JOIN ticket t ON t.tenant_id = s.tenant_id AND t.id = s.ticket_id
             WHERE s.tenant_id = $1 AND s.${at} <= $2 AND s.${mark} IS NULL AND s.met_at IS NULL ${extra}
             ORDER BY s.${at} LIMIT $3
             FOR UPDATE OF s SKIP LOCKED FOR NO KEY UPDATE OF t SKIP LOCKED
           ), marked AS (
             UPDATE ticket_sla s SET ${mark} = $2${also} FROM due
             WHERE s.tenant_id = $1 AND s.ticket_id = due.ticket_id AND s.clock = due.clock AND s.${mark} IS NULL
             RETURNING s.ticket_id, s.clock, s.due_at
           ), fired AS (
             SELECT ${RETURNED}, m.clock, m.due_at FROM marked m JOIN ticket t ON t.tenant_id = $1 AND t.id = m.ticket_id
           ), events AS (
             INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
             SELECT $1, f.id, $4, NULL, false, jsonb_build_object('clock', f.clock, 'dueAt', f.due_at), $2 FROM fired f
           ), mails AS (
             INSERT INTO outbox (tenant_id, topic, ticket_id, recipient_id, payload, created_at, next_attempt_at)
             SELECT DISTINCT $1, $5, f.id, r.id, jsonb_build_object('reference', f.reference, 'clock', f.clock, 'dueAt', f.due_at), $2::timestamptz, $2::timestamptz
             FROM fired f CROSS JOIN LATERAL (${recipientsSql(tx.tenant.config, recipientRoles(tx.tenant.config, topic), 'f')}) AS r(id) WHERE r.id IS NOT NULL
           )
           SELECT count(*)::int AS n FROM fired`,
          [tx.tenantId, now, BATCH, `sla-${kind}`, topic],
        );
        return row.n;
      });
      total += n;
      if (n < BATCH) return total;
    }
  }
}
