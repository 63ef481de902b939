import { Injectable } from '@nestjs/common';
import { recipientRoles, recipientsSql } from '../notifications/recipients.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { TicketRow } from '../tickets/ticket.repository.js';
import type { ClockState, SlaClockKind } from './sla-clock.js';

export interface SlaRow {
  ticket_id: string;
  clock: SlaClockKind;
  target_ms: string;
  used_ms: string;
  running_since: Date | null;
  due_at: Date | null;
  warn_at: Date | null;
  met_at: Date | null;
  warned_at: Date | null;
  breached_at: Date | null;
  stale_since: Date | null;
}

/** A clock's state to store, as computed by sla-clock.ts. */
export interface SlaWrite extends ClockState {
  clock: SlaClockKind;
}

const COLUMNS = 'ticket_id, clock, target_ms, used_ms, running_since, due_at, warn_at, met_at, warned_at, breached_at, stale_since';

/** Ticket columns the recipients' SQL needs. */
const RETURNED = 't.tenant_id, t.id, t.reference, t.requester_id, t.beneficiary_id, t.assignee_id, t.team_id, t.establishment_id, t.visibility';

/** The `ticket_sla` rows: the clocks of each ticket. */
@Injectable()
export class SlaRepository {
  /** What targets depend on besides the ticket row: its leaf's path and its establishment's kind. */
  async context(ctx: RequestContext, ticketId: string): Promise<{ path: string | null; kind: string | null }> {
    const [row] = await ctx.query<{ path: string | null; kind: string | null }>(
      `SELECT n.path, e.kind FROM ticket t
       LEFT JOIN catalogue_node n ON n.tenant_id = t.tenant_id AND n.id = t.catalogue_node_id
       LEFT JOIN establishment e ON e.tenant_id = t.tenant_id AND e.id = t.establishment_id
       WHERE t.tenant_id = $1 AND t.id = $2`,
      [ctx.tenantId, ticketId],
    );
    return row ?? { path: null, kind: null };
  }

  /** A ticket's clocks; `lock` for recomputing them (the caller holds the ticket's row lock). */
  async clocks(ctx: RequestContext, ticketId: string, lock = false): Promise<SlaRow[]> {
    return ctx.query<SlaRow>(`SELECT ${COLUMNS} FROM ticket_sla WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY clock${lock ? ' FOR UPDATE' : ''}`, [
      ctx.tenantId,
      ticketId,
    ]);
  }

  async clocksOf(ctx: RequestContext, ticketIds: string[]): Promise<SlaRow[]> {
    if (!ticketIds.length) return [];
    return ctx.query<SlaRow>(`SELECT ${COLUMNS} FROM ticket_sla WHERE tenant_id = $1 AND ticket_id = ANY($2::uuid[]) ORDER BY ticket_id, clock`, [ctx.tenantId, ticketIds]);
  }

  /**
   * Writes a ticket's clocks (deleting those no target covers any longer), clears their staleness
   * and keeps the ticket's `sla_due_at` (its earliest running deadline, what queues sort by).
   */
  async save(ctx: RequestContext, ticketId: string, clocks: SlaWrite[], at: Date): Promise<void> {
    await ctx.query(
      `INSERT INTO ticket_sla (tenant_id, ticket_id, clock, target_ms, used_ms, running_since, due_at, warn_at, met_at, updated_at)
       SELECT $1, $2, c.clock, c.target, c.used, c.running_since, c.due_at, c.warn_at, c.met_at, $4 FROM jsonb_to_recordset($3::jsonb)
         AS c(clock text, target bigint, used bigint, running_since timestamptz, due_at timestamptz, warn_at timestamptz, met_at timestamptz)
       ON CONFLICT (tenant_id, ticket_id, clock) DO UPDATE SET target_ms = EXCLUDED.target_ms, used_ms = EXCLUDED.used_ms,
         running_since = EXCLUDED.running_since, due_at = EXCLUDED.due_at, warn_at = EXCLUDED.warn_at, met_at = EXCLUDED.met_at,
         stale_since = NULL, updated_at = EXCLUDED.updated_at`,
      [
        ctx.tenantId,
        ticketId,
        JSON.stringify(clocks.map((c) => ({ clock: c.clock, target: c.target, used: c.used, running_since: c.runningSince, due_at: c.dueAt, warn_at: c.warnAt, met_at: c.metAt }))),
        at,
      ],
    );
    await ctx.query(`DELETE FROM ticket_sla WHERE tenant_id = $1 AND ticket_id = $2 AND NOT (clock = ANY($3::text[]))`, [ctx.tenantId, ticketId, clocks.map((c) => c.clock)]);
    const due = clocks.map((c) => c.dueAt).filter((d): d is Date => Boolean(d)).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    await ctx.query(`UPDATE ticket SET sla_due_at = $3 WHERE tenant_id = $1 AND id = $2 AND sla_due_at IS DISTINCT FROM $3`, [ctx.tenantId, ticketId, due]);
  }

  /** Tickets whose status changed without their clocks following (set-based timers), oldest first. */
  async stale(ctx: RequestContext, limit: number): Promise<{ ticket_id: string; since: Date }[]> {
    return ctx.query(
      `SELECT ticket_id, min(stale_since) AS since FROM ticket_sla WHERE tenant_id = $1 AND stale_since IS NOT NULL
       GROUP BY ticket_id ORDER BY since LIMIT $2`,
      [ctx.tenantId, limit],
    );
  }

  /** The ticket, locked for the caller's transaction; undefined when another transaction holds it (SKIP LOCKED). */
  async lockTicketIfFree(ctx: RequestContext, ticketId: string): Promise<TicketRow | undefined> {
    const [ticket] = await ctx.query<TicketRow>(`SELECT t.* FROM ticket t WHERE t.tenant_id = $1 AND t.id = $2 FOR UPDATE SKIP LOCKED`, [ctx.tenantId, ticketId]);
    return ticket;
  }

  /**
   * Fires up to `limit` warnings or breaches due at `now`, in the caller's transaction: claims the
   * clocks with SKIP LOCKED (and their tickets, so a ticket being changed waits for the next run),
   * marks them, and writes each one's private event and its notifications in the same statement.
   * A breach marks a warning not sent as sent; a warning is moot once the deadline has passed.
   * Returns how many fired.
   */
  async fire(ctx: RequestContext, kind: 'breached' | 'warning', now: Date, limit: number): Promise<number> {
    const [at, mark] = kind === 'breached' ? ['due_at', 'breached_at'] : ['warn_at', 'warned_at'];
    const extra = kind === 'warning' ? 'AND s.breached_at IS NULL AND s.due_at > $2' : '';
    const also = kind === 'breached' ? ', warned_at = coalesce(s.warned_at, $2)' : '';
    const topic = `ticket.sla-${kind}`;
    const [row] = await ctx.query<{ n: number }>(
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
         FROM fired f CROSS JOIN LATERAL (${recipientsSql(ctx.tenant.config, recipientRoles(ctx.tenant.config, topic), 'f')}) AS r(id) WHERE r.id IS NOT NULL
       )
       SELECT count(*)::int AS n FROM fired`,
      [ctx.tenantId, now, limit, `sla-${kind}`, topic],
    );
    return row.n;
  }
}
