import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { durationToSqlInterval } from '../common/units.js';
import type { TimerDefinition } from '../lifecycle/lifecycle.js';
import { StorageDriver } from '../storage/storage.js';
import { recipientRoles, recipientsSql } from '../notifications/recipients.js';

export interface TimerRunReport {
  tenant: string;
  timer: string;
  affected: number;
}

const BATCH = 500;
/** Ticket columns the recipients' SQL needs. */
const RETURNED = 't.tenant_id, t.id, t.reference, t.requester_id, t.beneficiary_id, t.assignee_id, t.team_id, t.establishment_id, t.visibility';

/**
 * Runs a pack's timers. Each is one set-based statement per batch: due tickets are claimed with
 * SKIP LOCKED and re-checked in the UPDATE, so several instances running together act once per ticket.
 */
@Injectable()
export class TimerService {
  constructor(
    private readonly clock: Clock,
    private readonly storage: StorageDriver,
  ) {}

  async runAll(ctx: RequestContext): Promise<TimerRunReport[]> {
    const reports: TimerRunReport[] = [];
    for (const timer of ctx.tenant.lifecycle.timers) {
      const affected = timer.apply ? await this.applyTimer(ctx, timer) : await this.remindTimer(ctx, timer);
      reports.push({ tenant: ctx.tenantId, timer: timer.name, affected });
    }
    if (ctx.tenant.config.retention) reports.push({ tenant: ctx.tenantId, timer: 'retention', affected: await this.purge(ctx) });
    return reports;
  }

  private async applyTimer(ctx: RequestContext, timer: TimerDefinition): Promise<number> {
    const transition = ctx.tenant.lifecycle.find(timer.apply!, timer.when, '*') ?? ctx.tenant.lifecycle.transitions.find((t) => t.name === timer.apply && t.from.includes(timer.when))!;
    const to = ctx.tenant.lifecycle.status(transition.to);
    const topic = to.category === 'closed' ? 'ticket.closed' : 'ticket.transitioned';
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const moved = await ctx.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>(
          `WITH due AS (
             SELECT t.id FROM ticket t
             WHERE t.tenant_id = $1 AND t.status = $2
               AND t.status_changed_at <= (($3::timestamptz AT TIME ZONE $4) - $5::interval) AT TIME ZONE $4
               AND ($12::text[] IS NULL OR t.type = ANY($12::text[]))
             ORDER BY t.status_changed_at LIMIT $6 FOR UPDATE SKIP LOCKED
           ), moved AS (
             UPDATE ticket t SET status = $7, status_category = $8, status_changed_at = $3, updated_at = $3, version = t.version + 1,
               closed_at = CASE WHEN $8 = 'closed' THEN $3 ELSE t.closed_at END,
               resolved_at = CASE WHEN $8 = 'resolved' THEN $3 ELSE t.resolved_at END,
               assignee_id = CASE WHEN $13 THEN NULL ELSE t.assignee_id END
             FROM due WHERE t.tenant_id = $1 AND t.id = due.id AND t.status = $2
             RETURNING ${RETURNED}
           ), events AS (
             INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
             SELECT $1, id, 'transitioned', NULL, true,
               jsonb_build_object('transition', $9::text, 'from', $2::text, 'to', $7::text, 'timer', $10::text), $3 FROM moved
           ), mails AS (
             INSERT INTO outbox (tenant_id, topic, ticket_id, recipient_id, payload, created_at, next_attempt_at)
             SELECT DISTINCT $1, $11, m.id, r.id, jsonb_build_object('reference', m.reference, 'transition', $9::text, 'to', $7::text), $3::timestamptz, $3::timestamptz
             FROM moved m CROSS JOIN LATERAL (${recipientsSql(tx.tenant.config, recipientRoles(tx.tenant.config, topic), 'm')}) AS r(id) WHERE r.id IS NOT NULL
           )
           SELECT count(*)::int AS n FROM moved`,
          [
            tx.tenantId, timer.when, now, tx.tenant.config.timezone, durationToSqlInterval(timer.after), BATCH, to.key, to.category,
            transition.name, timer.name, topic, transition.types ?? null, transition.effects.includes('clear-assignee'),
          ],
        );
        return row.n;
      });
      total += moved;
      if (moved < BATCH) return total;
    }
  }

  /** A reminder once per stay in the status: the event it leaves marks it as sent. */
  private async remindTimer(ctx: RequestContext, timer: TimerDefinition): Promise<number> {
    const now = this.clock.now();
    return ctx.transaction(async (tx) => {
      const [row] = await tx.query<{ n: number }>(
        `WITH due AS (
           SELECT ${RETURNED} FROM ticket t
           WHERE t.tenant_id = $1 AND t.status = $2
             AND t.status_changed_at <= (($3::timestamptz AT TIME ZONE $4) - $5::interval) AT TIME ZONE $4
             AND NOT EXISTS (SELECT 1 FROM ticket_event e WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id
                             AND e.type = 'reminded' AND e.data->>'timer' = $6 AND e.created_at >= t.status_changed_at)
           FOR UPDATE SKIP LOCKED
         ), events AS (
           INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
           SELECT $1, id, 'reminded', NULL, false, jsonb_build_object('timer', $6::text, 'notification', $7::text), $3 FROM due
         ), mails AS (
           INSERT INTO outbox (tenant_id, topic, ticket_id, recipient_id, payload, created_at, next_attempt_at)
           SELECT DISTINCT $1, 'ticket.reminder', d.id, r.id, jsonb_build_object('reference', d.reference, 'notification', $7::text), $3::timestamptz, $3::timestamptz
           FROM due d CROSS JOIN LATERAL (${recipientsSql(tx.tenant.config, recipientRoles(tx.tenant.config, 'ticket.reminder'), 'd')}) AS r(id) WHERE r.id IS NOT NULL
         )
         SELECT count(*)::int AS n FROM due`,
        [tx.tenantId, timer.when, now, tx.tenant.config.timezone, durationToSqlInterval(timer.after), timer.name, timer.notify],
      );
      return row.n;
    });
  }

  /**
   * Closed tickets past the pack's retention: purged (ticket, history, files) or anonymised
   * (texts, custom values, history bodies, participants and files removed; the row and its
   * references stay for statistics).
   */
  private async purge(ctx: RequestContext): Promise<number> {
    const retention = ctx.tenant.config.retention!;
    const now = this.clock.now();
    const due = `t.tenant_id = $1 AND t.status_category = 'closed' AND t.anonymised_at IS NULL
      AND t.closed_at <= (($2::timestamptz AT TIME ZONE $3) - $4::interval) AT TIME ZONE $3`;
    const params = [ctx.tenantId, now, ctx.tenant.config.timezone, durationToSqlInterval(retention.closed)];
    const { count, keys } = await ctx.transaction(async (tx) => {
      await tx.query(`SELECT set_config('guichet.retention', 'on', true)`);
      const files = await tx.query<{ storage_key: string }>(
        `DELETE FROM attachment a USING ticket t WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id AND ${due} RETURNING a.storage_key`,
        params,
      );
      if (retention.action === 'purge') {
        const deleted = await tx.query(`DELETE FROM ticket t WHERE ${due} RETURNING t.id`, params);
        return { count: deleted.length, keys: files.map((f) => f.storage_key) };
      }
      await tx.query(`UPDATE ticket_event e SET data = '{}' FROM ticket t WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id AND ${due}`, params);
      await tx.query(`DELETE FROM ticket_participant p USING ticket t WHERE p.tenant_id = t.tenant_id AND p.ticket_id = t.id AND ${due}`, params);
      const anonymised = await tx.query(
        `UPDATE ticket t SET title = '—', description = '', fields = '{}', solution = NULL, beneficiary_id = NULL, anonymised_at = $2
         WHERE ${due} RETURNING t.id`,
        params,
      );
      return { count: anonymised.length, keys: files.map((f) => f.storage_key) };
    });
    for (const key of keys) await this.storage.remove(key);
    return count;
  }

}
