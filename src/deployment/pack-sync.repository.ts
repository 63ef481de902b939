import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

/** What the last sync recorded of a pack: statuses with their categories, transition names. */
export interface SyncedShape {
  statuses: Record<string, string>;
  transitions: string[];
}

export interface StatusUse {
  status: string;
  category: string;
  tickets: number;
  /** Tickets not closed. */
  live: number;
}

export interface TeamUse {
  key: string;
  active: boolean;
  tickets: number;
  live: number;
}

export interface LeafUse {
  key: string;
  active: boolean;
  tickets: number;
  live: number;
}

/** The `tenant` row of a pack (keyed by `id`, the tenant's own) and what a pack change does to its tickets. */
@Injectable()
export class PackSyncRepository {
  /** Waits for the tenant's sync lock, held until the caller's transaction ends: one instance syncs a tenant at a time. */
  async lock(ctx: RequestContext): Promise<void> {
    await ctx.query(`SELECT pg_advisory_xact_lock(hashtext('guichet.pack-sync:' || $1))`, [ctx.tenantId]);
  }

  /** The hash of the pack last synced, or undefined before the first sync. */
  async syncedHash(ctx: RequestContext): Promise<string | undefined> {
    const [current] = await ctx.query<{ pack_hash: string }>(`SELECT pack_hash FROM tenant WHERE id = $1`, [ctx.tenantId]);
    return current?.pack_hash;
  }

  /** What the last sync recorded, or null before the first sync (or one made before this was recorded). */
  async syncedShape(ctx: RequestContext): Promise<SyncedShape | null> {
    const [row] = await ctx.query<{ synced: SyncedShape | null }>(`SELECT synced FROM tenant WHERE id = $1`, [ctx.tenantId]);
    return row?.synced ?? null;
  }

  async upsertTenant(ctx: RequestContext, name: string, packHash: string, shape: SyncedShape): Promise<void> {
    await ctx.query(
      `INSERT INTO tenant (id, name, pack_hash, synced) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, pack_hash = EXCLUDED.pack_hash, synced = EXCLUDED.synced, updated_at = now()`,
      [ctx.tenantId, name, packHash, JSON.stringify(shape)],
    );
  }

  /** Tickets per status (and the category stored with them). */
  async ticketsByStatus(ctx: RequestContext): Promise<StatusUse[]> {
    const rows = await ctx.query<{ status: string; category: string; tickets: string; live: string }>(
      `SELECT status, status_category AS category, count(*) AS tickets, count(*) FILTER (WHERE status_category <> 'closed') AS live
       FROM ticket WHERE tenant_id = $1 GROUP BY status, status_category ORDER BY status`,
      [ctx.tenantId],
    );
    return rows.map((r) => ({ ...r, tickets: Number(r.tickets), live: Number(r.live) }));
  }

  /** The teams in the database, with their tickets. */
  async teamsWithTickets(ctx: RequestContext): Promise<TeamUse[]> {
    const rows = await ctx.query<{ key: string; active: boolean; tickets: string; live: string }>(
      `SELECT tm.key, tm.active, count(t.id) AS tickets, count(t.id) FILTER (WHERE t.status_category <> 'closed') AS live
       FROM team tm LEFT JOIN ticket t ON t.tenant_id = tm.tenant_id AND t.team_id = tm.id
       WHERE tm.tenant_id = $1 GROUP BY tm.tenant_id, tm.id ORDER BY tm.key`,
      [ctx.tenantId],
    );
    return rows.map((r) => ({ ...r, tickets: Number(r.tickets), live: Number(r.live) }));
  }

  /** The catalogue leaves in the database, with their tickets. */
  async leavesWithTickets(ctx: RequestContext): Promise<LeafUse[]> {
    const rows = await ctx.query<{ key: string; active: boolean; tickets: string; live: string }>(
      `SELECT n.key, n.active, count(t.id) AS tickets, count(t.id) FILTER (WHERE t.status_category <> 'closed') AS live
       FROM catalogue_node n LEFT JOIN ticket t ON t.tenant_id = n.tenant_id AND t.catalogue_node_id = n.id
       WHERE n.tenant_id = $1 AND n.is_leaf GROUP BY n.tenant_id, n.id ORDER BY n.key`,
      [ctx.tenantId],
    );
    return rows.map((r) => ({ ...r, tickets: Number(r.tickets), live: Number(r.live) }));
  }

  /**
   * Moves every ticket of a dropped status to its new one, in one statement, with a public
   * `pack-moved` entry in each ticket's history. Entering or leaving a closed status stamps or
   * clears `closed_at`, as a transition would. Returns the tickets moved.
   */
  async moveStatuses(ctx: RequestContext, moves: { from: string; fromCategory?: string; to: string; category: string }[], at: Date): Promise<number> {
    if (!moves.length) return 0;
    const rows = await ctx.query<{ n: string }>(
      `WITH m AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS m("from" text, "fromCategory" text, "to" text, category text)),
       moved AS (
         UPDATE ticket t SET status = m."to", status_category = m.category, version = t.version + 1,
           closed_at = CASE WHEN m.category = 'closed' THEN coalesce(t.closed_at, $3) ELSE NULL END
         FROM m WHERE t.tenant_id = $1 AND t.status = m."from" AND (m."fromCategory" IS NULL OR t.status_category = m."fromCategory")
         RETURNING t.id, m."from", m."to"),
       entries AS (
         INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
         SELECT $1, moved.id, 'pack-moved', NULL, true, jsonb_build_object('status', jsonb_build_object('from', moved."from", 'to', moved."to")), $3 FROM moved
         RETURNING 1)
       SELECT count(*) AS n FROM entries`,
      [ctx.tenantId, JSON.stringify(moves), at],
    );
    return Number(rows[0].n);
  }

  /** Moves every ticket of a dropped team to another (a private `pack-moved` entry each). Returns the tickets moved. */
  async moveTeams(ctx: RequestContext, moves: { from: string; to: string }[], at: Date): Promise<number> {
    if (!moves.length) return 0;
    const rows = await ctx.query<{ n: string }>(
      `WITH m AS (
         SELECT ot.id AS old_id, nt.id AS new_id, r."from", r."to" FROM jsonb_to_recordset($2::jsonb) AS r("from" text, "to" text)
         JOIN team ot ON ot.tenant_id = $1 AND ot.key = r."from"
         JOIN team nt ON nt.tenant_id = $1 AND nt.key = r."to"),
       moved AS (
         UPDATE ticket t SET team_id = m.new_id, version = t.version + 1
         FROM m WHERE t.tenant_id = $1 AND t.team_id = m.old_id
         RETURNING t.id, m."from", m."to"),
       entries AS (
         INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
         SELECT $1, moved.id, 'pack-moved', NULL, false, jsonb_build_object('team', jsonb_build_object('from', moved."from", 'to', moved."to")), $3 FROM moved
         RETURNING 1)
       SELECT count(*) AS n FROM entries`,
      [ctx.tenantId, JSON.stringify(moves), at],
    );
    return Number(rows[0].n);
  }

  /** Gives existing tickets the category their status now has. */
  async recategorise(ctx: RequestContext, categories: { status: string; category: string }[]): Promise<void> {
    await ctx.query(
      `UPDATE ticket t SET status_category = c.category FROM jsonb_to_recordset($2::jsonb) AS c(status text, category text)
       WHERE t.tenant_id = $1 AND t.status = c.status AND t.status_category <> c.category`,
      [ctx.tenantId, JSON.stringify(categories)],
    );
  }
}
