import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';
import type { StatusCategory } from '../tenancy/pack.schema.js';
import { bind, TICKET, type TicketFilter, type TicketRow } from '../tickets/ticket.repository.js';

export interface DeskTicketRow extends TicketRow {
  parent_id: string | null;
  sla_due_at: Date | null;
  /** The sort key of the row, for the next page's cursor. */
  sort_key: unknown[];
}

/** A queue order: SQL expressions compared as a row, all ascending, so keyset pagination is one comparison. */
export interface QueueOrder {
  keys: string[];
  /** Casts of the keys, to bind a cursor's values. */
  types: string[];
}

export const QUEUE_ORDERS = {
  /** Unassigned first, then the highest priority (`:levels` lists them lowest first), then the oldest. */
  queue: {
    keys: ['(t.assignee_id IS NOT NULL)', '-coalesce(array_position(:levels::text[], t.priority), 0)', 't.created_at', 't.id'],
    types: ['boolean', 'int', 'timestamptz', 'uuid'],
  },
  /** Least time left first; tickets without a running clock last. */
  due: { keys: [`coalesce(t.sla_due_at, 'infinity'::timestamptz)`, 't.created_at', 't.id'], types: ['timestamptz', 'timestamptz', 'uuid'] },
  /** Newest first (negated epochs keep every key ascending). */
  created: { keys: ['-extract(epoch FROM t.created_at)', 't.id'], types: ['numeric', 'uuid'] },
  updated: { keys: ['-extract(epoch FROM t.updated_at)', 't.id'], types: ['numeric', 'uuid'] },
} satisfies Record<string, QueueOrder>;
export type QueueSort = keyof typeof QUEUE_ORDERS;

const DESK = `${TICKET}, t.parent_id, t.sla_due_at`;

/** The SQL of the agents' desk: queues, counts, parent links, team members. */
@Injectable()
export class DeskRepository {
  /** One page of tickets matching `filter` in `order`, after the cursor's key. */
  async queue(ctx: RequestContext, filter: TicketFilter, order: QueueOrder, page: { limit: number; after?: unknown[] }): Promise<DeskTicketRow[]> {
    const params: Record<string, unknown> = { ...filter.params };
    let where = filter.where;
    if (page.after) {
      // Parameter names are letters only (`bind` reads `:name` as letters).
      const name = (i: number) => `after${String.fromCharCode(97 + i)}`;
      page.after.forEach((v, i) => (params[name(i)] = v));
      where = `(${where}) AND (${order.keys.join(', ')}) > (${order.types.map((type, i) => `:${name(i)}::${type}`).join(', ')})`;
    }
    const keys = order.keys.map((k, i) => `${k} AS k${i}`).join(', ');
    const sql = `SELECT ${DESK}, ${keys} FROM ticket t WHERE t.tenant_id = $1 AND ${where} ORDER BY ${order.keys.join(', ')} LIMIT $2`;
    const { where: bound, values } = bind({ where: sql, params }, 3);
    const rows = await ctx.query<DeskTicketRow & Record<string, unknown>>(bound, [ctx.tenantId, page.limit, ...values]);
    return rows.map((row) => ({ ...row, sort_key: order.keys.map((_, i) => row[`k${i}`]) }));
  }

  /** Tickets matching `filter` per status category. */
  async counts(ctx: RequestContext, filter: TicketFilter): Promise<Record<StatusCategory, number>> {
    const { where, values } = bind(filter, 2);
    const rows = await ctx.query<{ category: StatusCategory; n: number }>(
      `SELECT t.status_category AS category, count(*)::int AS n FROM ticket t WHERE t.tenant_id = $1 AND ${where} GROUP BY t.status_category`,
      [ctx.tenantId, ...values],
    );
    const counts = { new: 0, open: 0, waiting: 0, resolved: 0, closed: 0 };
    for (const r of rows) counts[r.category] = r.n;
    return counts;
  }

  /** The desk's columns of one ticket (parent, SLA deadline). */
  async links(ctx: RequestContext, ticketId: string): Promise<{ parent_id: string | null; sla_due_at: Date | null; children: number }> {
    const [row] = await ctx.query<{ parent_id: string | null; sla_due_at: Date | null; children: number }>(
      `SELECT t.parent_id, t.sla_due_at,
         (SELECT count(*)::int FROM ticket c WHERE c.tenant_id = t.tenant_id AND c.parent_id = t.id) AS children
       FROM ticket t WHERE t.tenant_id = $1 AND t.id = $2`,
      [ctx.tenantId, ticketId],
    );
    return row;
  }

  /** A ticket's children, oldest first; `lock` takes them in id order (the order every locker uses). */
  async children(ctx: RequestContext, parentId: string, lock = false): Promise<TicketRow[]> {
    return ctx.query<TicketRow>(
      `SELECT ${TICKET} FROM ticket t WHERE t.tenant_id = $1 AND t.parent_id = $2 ORDER BY ${lock ? 't.id FOR UPDATE' : 't.created_at, t.id'}`,
      [ctx.tenantId, parentId],
    );
  }

  /** Locks tickets in id order (two tickets linked together are always locked the same way round). */
  async lock(ctx: RequestContext, ids: string[]): Promise<void> {
    await ctx.query(`SELECT t.id FROM ticket t WHERE t.tenant_id = $1 AND t.id = ANY($2::uuid[]) ORDER BY t.id FOR UPDATE`, [ctx.tenantId, ids]);
  }

  async setParent(ctx: RequestContext, ticketId: string, parentId: string | null, at: Date): Promise<void> {
    await ctx.query(`UPDATE ticket SET parent_id = $3, updated_at = $4, version = version + 1 WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, ticketId, parentId, at]);
  }

  /** Summaries of tickets by id (references and statuses of parents and children). */
  async byIds(ctx: RequestContext, ids: string[]): Promise<TicketRow[]> {
    if (!ids.length) return [];
    return ctx.query<TicketRow>(`SELECT ${TICKET} FROM ticket t WHERE t.tenant_id = $1 AND t.id = ANY($2::uuid[]) ORDER BY t.created_at, t.id`, [ctx.tenantId, ids]);
  }

  /** Members of a team (active people), leads first. */
  async members(ctx: RequestContext, teamId: string): Promise<{ id: string; login: string; display_name: string; lead: boolean }[]> {
    return ctx.query(
      `SELECT p.id, p.login, p.display_name, m.lead FROM team_member m JOIN person p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
       WHERE m.tenant_id = $1 AND m.team_id = $2 AND p.active ORDER BY m.lead DESC, p.display_name`,
      [ctx.tenantId, teamId],
    );
  }

  /** Active teams of the tenant, in the pack's order of keys. */
  async teams(ctx: RequestContext): Promise<{ id: string; key: string; name: { fr: string; en?: string } }[]> {
    return ctx.query(`SELECT id, key, name FROM team WHERE tenant_id = $1 AND active ORDER BY key`, [ctx.tenantId]);
  }
}
