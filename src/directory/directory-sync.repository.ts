import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

export interface SyncPersonRow {
  login: string;
  name: string;
  email: string | null;
  title: string | null;
  roles: string[] | null;
}

export interface SyncMembershipRow {
  login: string;
  uai: string;
  roles: string[];
}

export interface SyncTeamRow {
  login: string;
  team: string;
  lead: boolean;
}

const MANAGED_ROLES = `ARRAY['agent', 'admin']`;

/**
 * Set-based SQL of a directory sync: each step is one statement over every person of the source
 * (rows passed as one JSON parameter), so 10,000 people cost a handful of round trips.
 */
@Injectable()
export class DirectorySyncRepository {
  /** One sync of a tenant at a time (held until the transaction ends). */
  async lock(ctx: RequestContext): Promise<void> {
    await ctx.query(`SELECT pg_advisory_xact_lock(hashtext('guichet.directory-sync:' || $1))`, [ctx.tenantId]);
  }

  async knownUais(ctx: RequestContext, uais: string[]): Promise<string[]> {
    const rows = await ctx.query<{ uai: string }>(`SELECT uai FROM establishment WHERE tenant_id = $1 AND uai = ANY($2::text[])`, [ctx.tenantId, uais]);
    return rows.map((r) => r.uai);
  }

  async createEstablishments(ctx: RequestContext, uais: string[]): Promise<number> {
    const rows = await ctx.query(`INSERT INTO establishment (tenant_id, uai, name) SELECT $1, u, u FROM unnest($2::text[]) AS u ON CONFLICT (tenant_id, uai) DO NOTHING RETURNING id`, [ctx.tenantId, uais]);
    return rows.length;
  }

  async activeTeams(ctx: RequestContext, keys: string[]): Promise<string[]> {
    const rows = await ctx.query<{ key: string }>(`SELECT key FROM team WHERE tenant_id = $1 AND active AND key = ANY($2::text[])`, [ctx.tenantId, keys]);
    return rows.map((r) => r.key);
  }

  /**
   * Creates the people the source has and Guichet lacks, updates those whose name, e-mail, title
   * (or roles, when `roles` is managed) differ, and marks them all as the source's. Unchanged
   * rows are not written. A deactivated person stays deactivated.
   */
  async upsertPeople(ctx: RequestContext, source: string, people: SyncPersonRow[], manageRoles: boolean, at: Date): Promise<{ created: number; updated: number }> {
    const roles = `ARRAY(SELECT DISTINCT x FROM unnest(array(SELECT unnest(p.roles) EXCEPT SELECT unnest(${MANAGED_ROLES})) || EXCLUDED.roles) AS x ORDER BY x)`;
    const [row] = await ctx.query<{ created: string; updated: string }>(
      `WITH r AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(login text, name text, email text, title text, roles text[])),
       up AS (
         INSERT INTO person AS p (tenant_id, login, display_name, email, title, roles, directory_source, directory_seen_at)
         SELECT $1, r.login, r.name, r.email, r.title, coalesce(r.roles, '{}'), $3, $4 FROM r
         ON CONFLICT (tenant_id, login) DO UPDATE SET display_name = EXCLUDED.display_name, email = EXCLUDED.email, title = EXCLUDED.title,
           roles = CASE WHEN $5 THEN ${roles} ELSE p.roles END, directory_source = $3, directory_seen_at = $4, updated_at = $4
         WHERE (p.display_name, p.email, p.title, p.directory_source) IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.email, EXCLUDED.title, $3)
            OR ($5 AND ARRAY(SELECT x FROM unnest(p.roles) AS x ORDER BY x) IS DISTINCT FROM ${roles})
         RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted) AS created, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`,
      [ctx.tenantId, JSON.stringify(people), source, at, manageRoles],
    );
    return { created: Number(row.created), updated: Number(row.updated) };
  }

  /** People of `source` still active that the directory no longer lists (`seen`): how many, and how many have tickets. */
  async missing(ctx: RequestContext, source: string, seen: string[]): Promise<{ managed: number; missing: number }> {
    const [row] = await ctx.query<{ managed: string; missing: string }>(
      `SELECT count(*) AS managed, count(*) FILTER (WHERE NOT (login = ANY($3::text[]))) AS missing FROM person WHERE tenant_id = $1 AND directory_source = $2 AND active`,
      [ctx.tenantId, source, seen],
    );
    return { managed: Number(row.managed), missing: Number(row.missing) };
  }

  /** Deactivates them (never deletes: tickets, memberships and history stay). */
  async deactivateMissing(ctx: RequestContext, source: string, seen: string[], at: Date): Promise<{ deactivated: number; withTickets: number }> {
    const [row] = await ctx.query<{ deactivated: string; with_tickets: string }>(
      `WITH gone AS (
         UPDATE person SET active = false, updated_at = $4 WHERE tenant_id = $1 AND directory_source = $2 AND active AND NOT (login = ANY($3::text[])) RETURNING id)
       SELECT count(*) AS deactivated,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ticket t WHERE t.tenant_id = $1 AND (t.requester_id = gone.id OR t.beneficiary_id = gone.id OR t.assignee_id = gone.id))) AS with_tickets
       FROM gone`,
      [ctx.tenantId, source, seen, at],
    );
    return { deactivated: Number(row.deactivated), withTickets: Number(row.with_tickets) };
  }

  /** People of the directory who are deactivated in Guichet (a sync does not reactivate them). */
  async inactiveAmong(ctx: RequestContext, logins: string[]): Promise<number> {
    const [row] = await ctx.query<{ n: string }>(`SELECT count(*) AS n FROM person WHERE tenant_id = $1 AND login = ANY($2::text[]) AND NOT active`, [ctx.tenantId, logins]);
    return Number(row.n);
  }

  /** Makes the memberships of these people exactly `rows` (establishments known to Guichet). */
  async replaceMemberships(ctx: RequestContext, logins: string[], rows: SyncMembershipRow[]): Promise<{ added: number; changed: number; removed: number }> {
    const [row] = await ctx.query<{ added: string; changed: string; removed: string }>(
      `WITH people AS (SELECT id, login FROM person WHERE tenant_id = $1 AND login = ANY($3::text[])),
       target AS (
         SELECT p.id AS person_id, e.id AS establishment_id, m.roles
         FROM jsonb_to_recordset($2::jsonb) AS m(login text, uai text, roles text[])
         JOIN people p ON p.login = m.login JOIN establishment e ON e.tenant_id = $1 AND e.uai = m.uai),
       del AS (
         DELETE FROM person_establishment pe WHERE pe.tenant_id = $1 AND pe.person_id IN (SELECT id FROM people)
           AND NOT EXISTS (SELECT 1 FROM target t WHERE t.person_id = pe.person_id AND t.establishment_id = pe.establishment_id) RETURNING 1),
       ins AS (
         INSERT INTO person_establishment AS pe (tenant_id, person_id, establishment_id, roles) SELECT $1, person_id, establishment_id, roles FROM target
         ON CONFLICT (tenant_id, person_id, establishment_id) DO UPDATE SET roles = EXCLUDED.roles WHERE pe.roles IS DISTINCT FROM EXCLUDED.roles
         RETURNING (xmax = 0) AS inserted)
       SELECT (SELECT count(*) FILTER (WHERE inserted) FROM ins) AS added, (SELECT count(*) FILTER (WHERE NOT inserted) FROM ins) AS changed, (SELECT count(*) FROM del) AS removed`,
      [ctx.tenantId, JSON.stringify(rows), logins],
    );
    return { added: Number(row.added), changed: Number(row.changed), removed: Number(row.removed) };
  }

  /** Makes these people's memberships of the `managed` teams exactly `rows`; other teams are left alone. */
  async replaceTeamMembers(ctx: RequestContext, logins: string[], managed: string[], rows: SyncTeamRow[]): Promise<{ added: number; changed: number; removed: number }> {
    const [row] = await ctx.query<{ added: string; changed: string; removed: string }>(
      `WITH people AS (SELECT id, login FROM person WHERE tenant_id = $1 AND login = ANY($3::text[])),
       teams AS (SELECT id, key FROM team WHERE tenant_id = $1 AND active AND key = ANY($4::text[])),
       target AS (
         SELECT p.id AS person_id, t.id AS team_id, m.lead FROM jsonb_to_recordset($2::jsonb) AS m(login text, team text, lead boolean)
         JOIN people p ON p.login = m.login JOIN teams t ON t.key = m.team),
       del AS (
         DELETE FROM team_member tm WHERE tm.tenant_id = $1 AND tm.person_id IN (SELECT id FROM people) AND tm.team_id IN (SELECT id FROM teams)
           AND NOT EXISTS (SELECT 1 FROM target x WHERE x.person_id = tm.person_id AND x.team_id = tm.team_id) RETURNING 1),
       ins AS (
         INSERT INTO team_member AS tm (tenant_id, team_id, person_id, lead) SELECT $1, team_id, person_id, lead FROM target
         ON CONFLICT (tenant_id, team_id, person_id) DO UPDATE SET lead = EXCLUDED.lead WHERE tm.lead IS DISTINCT FROM EXCLUDED.lead
         RETURNING (xmax = 0) AS inserted)
       SELECT (SELECT count(*) FILTER (WHERE inserted) FROM ins) AS added, (SELECT count(*) FILTER (WHERE NOT inserted) FROM ins) AS changed, (SELECT count(*) FROM del) AS removed`,
      [ctx.tenantId, JSON.stringify(rows), logins, managed],
    );
    return { added: Number(row.added), changed: Number(row.changed), removed: Number(row.removed) };
  }
}
