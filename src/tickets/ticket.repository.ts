import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';
import type { HistoryEntryMap, HistoryEntryType } from '../plugin-host/events.js';
import type { TicketRecord } from '../plugin-host/ticket-record.js';
import type { Localized } from '../common/localized.js';

export type TicketRow = TicketRecord;

export interface TeamRef {
  id: string;
  key: string;
  name: Localized;
  email: string | null;
}

export interface EventRow {
  id: string;
  ticket_id: string;
  type: string;
  actor_id: string | null;
  public: boolean;
  data: Record<string, unknown>;
  created_at: Date;
}

export interface AttachmentRow {
  id: string;
  ticket_id: string;
  event_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: string;
  sha256: string;
  storage_key: string;
  uploaded_by: string | null;
  created_at: Date;
}

/** The leaf of a listed ticket (null when it has none). */
export interface ListedLeaf {
  leaf_key: string | null;
  leaf_name: Localized | null;
  leaf_path: string | null;
}

/** SQL conditions on `t` (a ticket) built by the access policy, with `:name` parameters. */
export interface TicketFilter {
  where: string;
  params: Record<string, unknown>;
}

/**
 * The status categories of `statuses`, inlined (they are the core's five words): the category leads
 * the dashboard indexes after the person, the status alone would leave it unused.
 */
function categoryFilter(ctx: RequestContext, statuses: string[] | null): string {
  if (!statuses) return 'true';
  const categories = [...new Set(statuses.map((s) => ctx.tenant.lifecycle.category(s)))];
  return categories.length ? `t.status_category IN (${categories.map((c) => `'${c}'`).join(', ')})` : 'false';
}

/** Replaces the filter's `:name` placeholders with positional ones from `$first` on, keeping only those used. */
export function bind(filter: TicketFilter, first: number): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const positions = new Map<string, number>();
  const where = filter.where.replace(/(?<!:):([a-zA-Z]+)/g, (_, name: string) => {
    if (!positions.has(name)) {
      positions.set(name, first + values.length);
      values.push(filter.params[name]);
    }
    return `$${positions.get(name)}`;
  });
  return { where, values };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TICKET = `t.id, t.reference, t.type, t.status, t.status_category, t.status_changed_at, t.catalogue_node_id, t.establishment_id,
  t.requester_id, t.beneficiary_id, t.team_id, t.assignee_id, t.title, t.description, t.impact, t.urgency, t.priority, t.visibility,
  t.fields, t.solution, t.created_at, t.updated_at, t.resolved_at, t.closed_at, t.version`;

/** What one create statement writes, beside the ticket's own columns. */
export interface NewTicket extends Omit<TicketRow, 'id' | 'version' | 'resolved_at' | 'closed_at' | 'solution' | 'updated_at' | 'status_changed_at' | 'reference' | 'catalogue_node_id' | 'team_id'> {
  /** Counter scope and the reference around the counter (`ReferencePattern.around`). */
  counter: { scope: string; before: string; width: number; after: string };
  leafKey: string;
  /** Teams to route to, the first active one wins (the routed team, then the pack's fallback). */
  teams: string[];
  actorId: string;
  /** `created` entry data; the chosen team's key is added in SQL. */
  created: Omit<HistoryEntryMap['created'], 'team'>;
  /** `routed` entry data, written only when a team was found. */
  routed: Omit<HistoryEntryMap['routed'], 'team'>;
}

@Injectable()
export class TicketRepository {
  /**
   * A new ticket in one statement: the team and the leaf looked up, the gap-free counter
   * incremented, the row, its `created` and `routed` entries, all returned. The counter's row lock
   * is taken by this statement and held to commit, so the create transaction puts it as late as it
   * can (its reads and checks come before).
   */
  async create(ctx: RequestContext, t: NewTicket): Promise<{ ticket: TicketRow; events: EventRow[]; team: TeamRef | null }> {
    const [row] = await ctx.query<TicketRow & { _events: (Omit<EventRow, 'created_at'> & { created_at: string })[]; _team: TeamRef | null }>(
      `WITH tm AS (
         SELECT id, key, name, email FROM team WHERE tenant_id = $1 AND key = ANY($2::text[]) AND active ORDER BY array_position($2::text[], key) LIMIT 1
       ), c AS (
         INSERT INTO counter (tenant_id, scope, value) VALUES ($1, $3, 1)
         ON CONFLICT (tenant_id, scope) DO UPDATE SET value = counter.value + 1 RETURNING value
       ), t AS (
         INSERT INTO ticket AS t (tenant_id, reference, type, status, status_category, status_changed_at, catalogue_node_id, establishment_id,
           requester_id, beneficiary_id, team_id, assignee_id, title, description, impact, urgency, priority, visibility, fields, created_at, updated_at)
         SELECT $1, $4::text || lpad(c.value::text, greatest($5::int, length(c.value::text)), '0') || $6::text, $7, $8, $9, $10::timestamptz,
           (SELECT n.id FROM catalogue_node n WHERE n.tenant_id = $1 AND n.key = $11), $12::uuid, $13::uuid, $14::uuid, (SELECT id FROM tm), $15::uuid,
           $16, $17, $18, $19, $20, $21, $22::jsonb, $10::timestamptz, $10::timestamptz
         FROM c
         RETURNING ${TICKET}
       ), e AS (
         INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
         SELECT $1, t.id, 'created', $23::uuid, true, $24::jsonb || jsonb_build_object('team', (SELECT key FROM tm)), $10::timestamptz FROM t
         UNION ALL
         SELECT $1, t.id, 'routed', NULL, false, $25::jsonb || jsonb_build_object('team', tm.key), $10::timestamptz FROM t, tm
         RETURNING id, ticket_id, type, actor_id, public, data, created_at
       )
       SELECT t.*, (SELECT json_agg(e ORDER BY e.id) FROM e) AS _events, (SELECT row_to_json(tm) FROM tm) AS _team FROM t`,
      [
        ctx.tenantId, t.teams, t.counter.scope, t.counter.before, t.counter.width, t.counter.after, t.type, t.status, t.status_category, t.created_at,
        t.leafKey, t.establishment_id, t.requester_id, t.beneficiary_id, t.assignee_id, t.title, t.description, t.impact, t.urgency, t.priority,
        t.visibility, JSON.stringify(t.fields), t.actorId, JSON.stringify(t.created), JSON.stringify(t.routed),
      ],
    );
    const { _events: events, _team: team, ...ticket } = row;
    return { ticket, team, events: events.map((e) => ({ ...e, id: String(e.id), created_at: new Date(e.created_at) })) };
  }


  /** Next value of a gap-free counter; the row lock serialises concurrent creations until commit. */
  async nextCounter(ctx: RequestContext, scope: string): Promise<number> {
    const [row] = await ctx.query<{ value: string }>(
      `INSERT INTO counter (tenant_id, scope, value) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, scope) DO UPDATE SET value = counter.value + 1 RETURNING value`,
      [ctx.tenantId, scope],
    );
    return Number(row.value);
  }

  async insert(ctx: RequestContext, t: Omit<TicketRow, 'id' | 'version' | 'resolved_at' | 'closed_at' | 'solution' | 'updated_at' | 'status_changed_at'>): Promise<TicketRow> {
    const [row] = await ctx.query<TicketRow>(
      `INSERT INTO ticket AS t (tenant_id, reference, type, status, status_category, status_changed_at, catalogue_node_id, establishment_id,
         requester_id, beneficiary_id, team_id, assignee_id, title, description, impact, urgency, priority, visibility, fields, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $19, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)
       RETURNING ${TICKET}`,
      [
        ctx.tenantId, t.reference, t.type, t.status, t.status_category, t.catalogue_node_id, t.establishment_id, t.requester_id,
        t.beneficiary_id, t.team_id, t.assignee_id, t.title, t.description, t.impact, t.urgency, t.priority, t.visibility,
        JSON.stringify(t.fields), t.created_at,
      ],
    );
    return row;
  }

  /** By id or by reference; `lock` takes the row for the rest of the transaction. */
  async find(ctx: RequestContext, ref: string, lock = false): Promise<TicketRow | undefined> {
    const column = UUID.test(ref) ? 'id' : 'reference';
    const [row] = await ctx.query<TicketRow>(
      `SELECT ${TICKET} FROM ticket t WHERE t.tenant_id = $1 AND t.${column} = $2${lock ? ' FOR UPDATE' : ''}`,
      [ctx.tenantId, ref],
    );
    return row;
  }

  /** Writes changed columns and bumps the version; the caller holds the row lock. */
  async update(ctx: RequestContext, id: string, patch: Partial<TicketRow>, at: Date): Promise<TicketRow> {
    const entries = Object.entries(patch).filter(([k]) => k !== 'id');
    const sets = entries.map(([k], i) => `${k} = $${i + 4}`);
    const [row] = await ctx.query<TicketRow>(
      `UPDATE ticket t SET ${[...sets, 'updated_at = $3', 'version = t.version + 1'].join(', ')}
       WHERE t.tenant_id = $1 AND t.id = $2 RETURNING ${TICKET}`,
      [ctx.tenantId, id, at, ...entries.map(([k, v]) => (k === 'fields' ? JSON.stringify(v) : v))],
    );
    return row;
  }

  /**
   * One page of tickets matching the access filter, newest first, with a keyset cursor, and each
   * row's leaf (key, name, path). A view of several status categories is read as one ordered range
   * per category, merged (`UNION ALL` under one ORDER BY … LIMIT): the dashboard indexes end in
   * `status_category, created_at DESC, id DESC`, so each range stops after `limit` rows and the
   * page costs the same whatever the person's history. PostgreSQL 15 does not merge `IN (…)`
   * ranges in order by itself: it would read every matching row and sort them.
   */
  async list(
    ctx: RequestContext,
    filter: TicketFilter,
    statuses: string[] | null,
    page: { limit: number; after?: { createdAt: Date; id: string } },
  ): Promise<(TicketRow & ListedLeaf)[]> {
    const { where, values } = bind(filter, 4);
    const base = 4 + values.length;
    const keyset = page.after ? `AND (t.created_at, t.id) < ($${base}::timestamptz, $${base + 1}::uuid)` : '';
    const categories = statuses ? [...new Set(statuses.map((s) => ctx.tenant.lifecycle.category(s)))] : [null];
    const range = (category: string | null) =>
      `(SELECT ${TICKET} FROM ticket t
        WHERE t.tenant_id = $1 AND ($2::text[] IS NULL OR t.status = ANY($2::text[])) AND ${category ? `t.status_category = '${category}'` : 'true'} AND (${where}) ${keyset}
        ORDER BY t.created_at DESC, t.id DESC LIMIT $3)`;
    const ranges = categories.length ? categories.map(range).join(' UNION ALL ') : `(SELECT ${TICKET} FROM ticket t WHERE false)`;
    return ctx.query<TicketRow & ListedLeaf>(
      `SELECT p.*, n.key AS leaf_key, n.name AS leaf_name, n.path AS leaf_path
       FROM (${ranges}) p LEFT JOIN catalogue_node n ON n.tenant_id = $1 AND n.id = p.catalogue_node_id
       ORDER BY p.created_at DESC, p.id DESC LIMIT $3`,
      [ctx.tenantId, statuses, page.limit, ...values, ...(page.after ? [page.after.createdAt, page.after.id] : [])],
    );
  }

  async count(ctx: RequestContext, filter: TicketFilter, statuses: string[] | null): Promise<number> {
    const [n] = await this.counts(ctx, [{ filter, statuses }]);
    return n;
  }

  /**
   * Several counts in one statement (the dashboard's tabs): one `count(*) FILTER (…)` per view over
   * the tickets any of them matches.
   */
  async counts(ctx: RequestContext, views: { filter: TicketFilter; statuses: string[] | null }[]): Promise<number[]> {
    if (!views.length) return [];
    const params: unknown[] = [ctx.tenantId];
    const conditions = views.map(({ filter, statuses }) => {
      const { where, values } = bind(filter, params.length + 2);
      params.push(statuses, ...values);
      return `(($${params.length - values.length}::text[] IS NULL OR t.status = ANY($${params.length - values.length}::text[])) AND ${categoryFilter(ctx, statuses)} AND (${where}))`;
    });
    const [row] = await ctx.query<Record<string, string>>(
      `SELECT ${conditions.map((c, i) => `count(*) FILTER (WHERE ${c}) AS n${i}`).join(', ')}
       FROM ticket t WHERE t.tenant_id = $1 AND (${conditions.join(' OR ')})`,
      params,
    );
    return views.map((_, i) => Number(row[`n${i}`]));
  }

  async insertEvent<T extends HistoryEntryType>(ctx: RequestContext, ticketId: string, type: T, actorId: string | null, isPublic: boolean, data: HistoryEntryMap[T], at: Date): Promise<EventRow> {
    const [row] = await ctx.query<EventRow>(
      `INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, ticket_id, type, actor_id, public, data, created_at`,
      [ctx.tenantId, ticketId, type, actorId, isPublic, JSON.stringify(data), at],
    );
    return row;
  }

  async events(ctx: RequestContext, ticketId: string, includePrivate: boolean): Promise<EventRow[]> {
    return ctx.query<EventRow>(
      `SELECT id, ticket_id, type, actor_id, public, data, created_at FROM ticket_event
       WHERE tenant_id = $1 AND ticket_id = $2 AND (public OR $3) ORDER BY id`,
      [ctx.tenantId, ticketId, includePrivate],
    );
  }

  async addParticipant(ctx: RequestContext, ticketId: string, personId: string, addedBy: string | null, at: Date): Promise<boolean> {
    const rows = await ctx.query(
      `INSERT INTO ticket_participant (tenant_id, ticket_id, person_id, added_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING person_id`,
      [ctx.tenantId, ticketId, personId, addedBy, at],
    );
    return rows.length > 0;
  }

  async participantIds(ctx: RequestContext, ticketId: string): Promise<string[]> {
    const rows = await ctx.query<{ person_id: string }>(
      `SELECT person_id FROM ticket_participant WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY created_at`,
      [ctx.tenantId, ticketId],
    );
    return rows.map((r) => r.person_id);
  }

  async insertAttachment(ctx: RequestContext, a: Omit<AttachmentRow, 'id'>): Promise<AttachmentRow> {
    const [row] = await ctx.query<AttachmentRow>(
      `INSERT INTO attachment (tenant_id, ticket_id, event_id, file_name, content_type, size_bytes, sha256, storage_key, uploaded_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [ctx.tenantId, a.ticket_id, a.event_id, a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.uploaded_by, a.created_at],
    );
    return row;
  }

  async attachments(ctx: RequestContext, ticketId: string): Promise<AttachmentRow[]> {
    return ctx.query<AttachmentRow>(`SELECT * FROM attachment WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY created_at, id`, [ctx.tenantId, ticketId]);
  }

  /** Files of a ticket; under the ticket's row lock, the count every upload is checked against. */
  async countAttachments(ctx: RequestContext, ticketId: string): Promise<number> {
    const [row] = await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM attachment WHERE tenant_id = $1 AND ticket_id = $2`, [ctx.tenantId, ticketId]);
    return row.n;
  }

  async attachment(ctx: RequestContext, id: string): Promise<AttachmentRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const [row] = await ctx.query<AttachmentRow>(`SELECT * FROM attachment WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]);
    return row;
  }


}
