import { recipientRoles, recipientsSql } from './recipients.js';
import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

export type OutboxStatus = 'pending' | 'sent' | 'dead';

export interface ClaimedRow {
  id: string;
  topic: string;
  attempts: number;
}

/** An outbox row with what its mail needs: the ticket as it is now, the people, the event. */
export interface MailRow {
  id: string;
  topic: string;
  ticket_id: string | null;
  recipient_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
  reference: string | null;
  type: string | null;
  status: string | null;
  title: string | null;
  description: string | null;
  solution: string | null;
  status_changed_at: Date | null;
  requester_id: string | null;
  beneficiary_id: string | null;
  assignee_id: string | null;
  leaf_key: string | null;
  uai: string | null;
  establishment_name: string | null;
  team_name: Record<string, string> | null;
  recipient_name: string | null;
  recipient_login: string | null;
  recipient_email: string | null;
  recipient_locale: string | null;
  recipient_active: boolean | null;
  recipient_participant: boolean;
  requester_name: string | null;
  requester_login: string | null;
  requester_email: string | null;
  beneficiary_name: string | null;
  assignee_name: string | null;
  event_type: string | null;
  event_data: Record<string, unknown> | null;
  event_actor: string | null;
}

export interface OutboxEntry {
  id: string;
  topic: string;
  status: OutboxStatus;
  reference: string | null;
  recipient: string | null;
  recipientName: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
}

/** Events whose data a topic's mail shows, when the row does not name its event. */
const EVENT_TYPES = `CASE o.topic WHEN 'ticket.commented' THEN 'commented' WHEN 'ticket.shared' THEN 'participant-added' WHEN 'ticket.created' THEN 'created' ELSE 'transitioned' END`;

/** The outbox's SQL; every statement is scoped to the context's tenant. */
@Injectable()
export class OutboxRepository {
  /**
   * Outbox rows for `topic` about a ticket, in the caller's transaction: one per recipient the
   * pack names for that event (resolved in SQL from the ticket's current row), the actor excluded
   * except from the acknowledgement of their own ticket.
   * `only` names the recipients outright (e.g. the participant just added).
   */
  async enqueue(ctx: RequestContext, topic: string, ticketId: string, payload: object, at: Date, only?: string[]): Promise<void> {
    const lateral = only ? 'SELECT unnest($7::uuid[])' : recipientsSql(ctx.tenant.config, recipientRoles(ctx.tenant.config, topic), 'm');
    await ctx.query(
      `INSERT INTO outbox (tenant_id, topic, ticket_id, recipient_id, payload, created_at, next_attempt_at)
       SELECT DISTINCT $1, $2, m.id, r.id, $4::jsonb, $5::timestamptz, $5::timestamptz
       FROM ticket m CROSS JOIN LATERAL (${lateral}) AS r(id)
       WHERE m.tenant_id = $1 AND m.id = $3 AND r.id IS NOT NULL AND r.id IS DISTINCT FROM $6::uuid`,
      [ctx.tenantId, topic, ticketId, JSON.stringify(payload), at, topic === 'ticket.created' ? null : ctx.actor.id, ...(only ? [only] : [])],
    );
  }

  /**
   * Claims up to `limit` due rows for this worker: locked with SKIP LOCKED (rows another worker
   * is claiming are passed over) and leased until `leaseUntil`, so no other worker takes them
   * while this one sends; a worker that dies leaves them due again when the lease ends.
   */
  async claim(ctx: RequestContext, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedRow[]> {
    return ctx.query<ClaimedRow>(
      `WITH due AS (
         SELECT o.id FROM outbox o
         WHERE o.tenant_id = $1 AND o.status = 'pending' AND o.next_attempt_at <= $2
         ORDER BY o.next_attempt_at, o.id LIMIT $4 FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox o SET next_attempt_at = $3 FROM due
       WHERE o.tenant_id = $1 AND o.id = due.id AND o.status = 'pending' AND o.next_attempt_at <= $2
       RETURNING o.id, o.topic, o.attempts`,
      [ctx.tenantId, now, leaseUntil, limit],
    );
  }

  async load(ctx: RequestContext, ids: string[]): Promise<MailRow[]> {
    return ctx.query<MailRow>(
      `SELECT o.id, o.topic, o.ticket_id, o.recipient_id, o.payload, o.attempts, o.created_at,
         t.reference, t.type, t.status, t.title, t.description, t.solution, t.status_changed_at,
         t.requester_id, t.beneficiary_id, t.assignee_id,
         n.key AS leaf_key, e.uai, e.name AS establishment_name, tm.name AS team_name,
         r.display_name AS recipient_name, r.login AS recipient_login, coalesce(nullif(r.notification_email, ''), r.email) AS recipient_email,
         r.locale AS recipient_locale, r.active AS recipient_active,
         EXISTS (SELECT 1 FROM ticket_participant p WHERE p.tenant_id = o.tenant_id AND p.ticket_id = o.ticket_id AND p.person_id = o.recipient_id) AS recipient_participant,
         rq.display_name AS requester_name, rq.login AS requester_login, coalesce(nullif(rq.notification_email, ''), rq.email) AS requester_email,
         b.display_name AS beneficiary_name, a.display_name AS assignee_name,
         ev.type AS event_type, ev.data AS event_data, ea.display_name AS event_actor
       FROM outbox o
       LEFT JOIN ticket t ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id
       LEFT JOIN person r ON r.tenant_id = o.tenant_id AND r.id = o.recipient_id
       LEFT JOIN person rq ON rq.tenant_id = t.tenant_id AND rq.id = t.requester_id
       LEFT JOIN person b ON b.tenant_id = t.tenant_id AND b.id = t.beneficiary_id
       LEFT JOIN person a ON a.tenant_id = t.tenant_id AND a.id = t.assignee_id
       LEFT JOIN catalogue_node n ON n.tenant_id = t.tenant_id AND n.id = t.catalogue_node_id
       LEFT JOIN establishment e ON e.tenant_id = t.tenant_id AND e.id = t.establishment_id
       LEFT JOIN team tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id
       LEFT JOIN LATERAL (
         SELECT x.type, x.data, x.actor_id FROM ticket_event x
         WHERE x.tenant_id = o.tenant_id AND x.ticket_id = o.ticket_id
           AND CASE WHEN o.payload->>'event' IS NOT NULL THEN x.id::text = o.payload->>'event'
                    ELSE x.created_at = o.created_at AND x.type = ${EVENT_TYPES}
                         AND (o.payload->>'transition' IS NULL OR x.data->>'transition' = o.payload->>'transition') END
         ORDER BY x.id DESC LIMIT 1
       ) ev ON true
       LEFT JOIN person ea ON ea.tenant_id = o.tenant_id AND ea.id = ev.actor_id
       WHERE o.tenant_id = $1 AND o.id = ANY($2::uuid[])`,
      [ctx.tenantId, ids],
    );
  }

  /** Only after the SMTP server accepted the message. */
  async markSent(ctx: RequestContext, id: string, at: Date): Promise<void> {
    await ctx.query(`UPDATE outbox SET status = 'sent', delivered_at = $3, last_error = NULL WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`, [ctx.tenantId, id, at]);
  }

  /** One failed attempt: retried at `nextAt`, or dead. */
  async markFailed(ctx: RequestContext, id: string, error: string, nextAt: Date, dead: boolean): Promise<void> {
    await ctx.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4, status = CASE WHEN $5 THEN 'dead' ELSE status END
       WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
      [ctx.tenantId, id, error.slice(0, 1000), nextAt, dead],
    );
  }

  /** Claimed rows not attempted (the server went away): due again at `nextAt`, attempts unchanged. */
  async release(ctx: RequestContext, ids: string[], nextAt: Date): Promise<void> {
    if (!ids.length) return;
    await ctx.query(`UPDATE outbox SET next_attempt_at = $3 WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND status = 'pending'`, [ctx.tenantId, ids, nextAt]);
  }

  async list(ctx: RequestContext, status: OutboxStatus, limit: number): Promise<OutboxEntry[]> {
    return ctx.query<OutboxEntry>(
      `SELECT o.id, o.topic, o.status, t.reference, p.login AS recipient, p.display_name AS "recipientName", o.attempts,
         o.last_error AS "lastError", o.created_at AS "createdAt", o.next_attempt_at AS "nextAttemptAt", o.delivered_at AS "deliveredAt"
       FROM outbox o
       LEFT JOIN ticket t ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id
       LEFT JOIN person p ON p.tenant_id = o.tenant_id AND p.id = o.recipient_id
       WHERE o.tenant_id = $1 AND o.status = $2
       ORDER BY o.created_at DESC, o.id LIMIT $3`,
      [ctx.tenantId, status, limit],
    );
  }

  /** What waits: pending and dead rows, and when the oldest pending one was written (the metrics). */
  async backlog(ctx: RequestContext): Promise<{ pending: number; dead: number; oldestPendingAt: Date | null }> {
    const [row] = await ctx.query<{ pending: number; dead: number; oldest: Date | null }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'dead')::int AS dead,
              min(created_at) FILTER (WHERE status = 'pending') AS oldest
         FROM outbox WHERE tenant_id = $1 AND status IN ('pending', 'dead')`,
      [ctx.tenantId],
    );
    return { pending: row.pending, dead: row.dead, oldestPendingAt: row.oldest ? new Date(row.oldest) : null };
  }

  async counts(ctx: RequestContext): Promise<Record<OutboxStatus, number>> {
    const rows = await ctx.query<{ status: OutboxStatus; n: number }>(`SELECT status, count(*)::int AS n FROM outbox WHERE tenant_id = $1 GROUP BY status`, [ctx.tenantId]);
    const counts = { pending: 0, sent: 0, dead: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** Dead (or pending) rows back to pending, due now, with a fresh attempt count; `ids` null means every dead row. */
  async retry(ctx: RequestContext, ids: string[] | null, now: Date): Promise<string[]> {
    const rows = await ctx.query<{ id: string }>(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $3
       WHERE tenant_id = $1 AND status <> 'sent' AND ($2::uuid[] IS NULL AND status = 'dead' OR id = ANY($2::uuid[]))
       RETURNING id`,
      [ctx.tenantId, ids, now],
    );
    return rows.map((r) => r.id);
  }

  async statusOf(ctx: RequestContext, id: string): Promise<OutboxStatus | undefined> {
    const [row] = await ctx.query<{ status: OutboxStatus }>(`SELECT status FROM outbox WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]);
    return row?.status;
  }

  /** The ticket and recipient of a notification (a reply to it comes from that recipient, or from nobody). */
  async recipientOf(ctx: RequestContext, id: string): Promise<{ ticketId: string; recipientId: string } | undefined> {
    const [row] = await ctx.query<{ ticket_id: string; recipient_id: string }>(
      `SELECT ticket_id, recipient_id FROM outbox WHERE tenant_id = $1 AND id = $2 AND ticket_id IS NOT NULL AND recipient_id IS NOT NULL`,
      [ctx.tenantId, id],
    );
    return row && { ticketId: row.ticket_id, recipientId: row.recipient_id };
  }
}
