import { Injectable } from '@nestjs/common';
import { durationToSqlInterval } from '../common/units.js';
import type { TimerDefinition } from '../lifecycle/lifecycle.js';
import { recipientRoles, recipientsSql } from '../notifications/recipients.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TICKET, type TicketRow } from '../tickets/ticket.repository.js';

/** Ticket columns the recipients' SQL needs. */
const RETURNED = 't.tenant_id, t.id, t.reference, t.requester_id, t.beneficiary_id, t.assignee_id, t.team_id, t.establishment_id, t.visibility';

/** A due instant: `after` before now, subtracted in the tenant's time zone (P1D is a calendar day across DST). */
const DUE = `t.status_changed_at <= (($3::timestamptz AT TIME ZONE $4) - $5::interval) AT TIME ZONE $4`;

/** The set-based statements of timers and retention. */
@Injectable()
export class TimerRepository {
  /**
   * Claims up to `limit` tickets due for `timer`, locked for the caller's transaction; rows another
   * instance holds are skipped (SKIP LOCKED), so instances running together never claim one twice.
   */
  claimDue(ctx: RequestContext, timer: TimerDefinition, types: string[] | null, now: Date, limit: number): Promise<TicketRow[]> {
    return ctx.query<TicketRow>(
      `SELECT ${TICKET} FROM ticket t
       WHERE t.tenant_id = $1 AND t.status = $2 AND ${DUE} AND ($7::text[] IS NULL OR t.type = ANY($7::text[]))
       ORDER BY t.status_changed_at LIMIT $6 FOR UPDATE SKIP LOCKED`,
      [ctx.tenantId, timer.when, now, ctx.tenant.config.timezone, durationToSqlInterval(timer.after), limit, types],
    );
  }

  /** A reminder once per stay in the status: the private `reminded` entry it leaves marks it as sent. */
  async remind(ctx: RequestContext, timer: TimerDefinition, now: Date): Promise<number> {
    const [row] = await ctx.query<{ n: number }>(
      `WITH due AS (
         SELECT ${RETURNED} FROM ticket t
         WHERE t.tenant_id = $1 AND t.status = $2 AND ${DUE}
           AND NOT EXISTS (SELECT 1 FROM ticket_event e WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id
                           AND e.type = 'reminded' AND e.data->>'timer' = $6 AND e.created_at >= t.status_changed_at)
         FOR UPDATE SKIP LOCKED
       ), events AS (
         INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
         SELECT $1, id, 'reminded', NULL, false, jsonb_build_object('timer', $6::text, 'notification', $7::text), $3 FROM due
       ), mails AS (
         INSERT INTO outbox (tenant_id, topic, ticket_id, recipient_id, payload, created_at, next_attempt_at)
         SELECT DISTINCT $1, 'ticket.reminder', d.id, r.id, jsonb_build_object('reference', d.reference, 'notification', $7::text), $3::timestamptz, $3::timestamptz
         FROM due d CROSS JOIN LATERAL (${recipientsSql(ctx.tenant.config, recipientRoles(ctx.tenant.config, 'ticket.reminder'), 'd')}) AS r(id) WHERE r.id IS NOT NULL
       )
       SELECT count(*)::int AS n FROM due`,
      [ctx.tenantId, timer.when, now, ctx.tenant.config.timezone, durationToSqlInterval(timer.after), timer.name, timer.notify],
    );
    return row.n;
  }

  /**
   * Closed tickets past the pack's retention, in the caller's transaction (the history's
   * append-only trigger lets this one transaction through): purged (ticket, history, files) or
   * anonymised (texts, custom values, history bodies, participants and files removed; the row and
   * its references stay for statistics). Returns how many, and the storage keys to remove.
   */
  async retire(ctx: RequestContext, action: 'purge' | 'anonymise', closedFor: string, now: Date): Promise<{ count: number; keys: string[] }> {
    const due = `t.tenant_id = $1 AND t.status_category = 'closed' AND t.anonymised_at IS NULL
      AND t.closed_at <= (($2::timestamptz AT TIME ZONE $3) - $4::interval) AT TIME ZONE $3`;
    const params = [ctx.tenantId, now, ctx.tenant.config.timezone, durationToSqlInterval(closedFor)];
    await ctx.query(`SELECT set_config('guichet.retention', 'on', true)`);
    const files = await ctx.query<{ storage_key: string }>(`DELETE FROM attachment a USING ticket t WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id AND ${due} RETURNING a.storage_key`, params);
    const keys = files.map((f) => f.storage_key);
    if (action === 'purge') {
      const deleted = await ctx.query(`DELETE FROM ticket t WHERE ${due} RETURNING t.id`, params);
      return { count: deleted.length, keys };
    }
    await ctx.query(`UPDATE ticket_event e SET data = '{}' FROM ticket t WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id AND ${due}`, params);
    await ctx.query(`DELETE FROM ticket_participant p USING ticket t WHERE p.tenant_id = t.tenant_id AND p.ticket_id = t.id AND ${due}`, params);
    const anonymised = await ctx.query(`UPDATE ticket t SET title = '—', description = '', fields = '{}', solution = NULL, beneficiary_id = NULL, anonymised_at = $2 WHERE ${due} RETURNING t.id`, params);
    return { count: anonymised.length, keys };
  }
}
