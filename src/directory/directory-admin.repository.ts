import { Injectable } from '@nestjs/common';
import type { Localized } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';

/** A person as administrators see them: every column they may change, active or not. */
export interface AdminPersonRow {
  id: string;
  login: string;
  display_name: string;
  email: string | null;
  phone: string | null;
  title: string | null;
  locale: string;
  roles: string[];
  active: boolean;
  directory_source: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface AdminMembershipRow {
  uai: string;
  name: string;
  roles: string[];
}

export interface AdminTeamRow {
  id: string;
  key: string;
  name: Localized;
  email: string | null;
  active: boolean;
  members: number;
  leads: number;
}

export interface AdminTeamMemberRow {
  login: string;
  display_name: string;
  active: boolean;
  lead: boolean;
}

export interface AdminEstablishmentRow {
  id: string;
  uai: string;
  name: string;
  kind: string | null;
  city: string | null;
  people: number;
}

const PERSON = `p.id, p.login, p.display_name, p.email, p.phone, p.title, p.locale, p.roles, p.active, p.directory_source, p.created_at, p.updated_at`;

/** The directory as its administrators change it: people whether active or not, memberships, team members, establishments. */
@Injectable()
export class DirectoryAdminRepository {
  /** People matching `q` (name, login or e-mail, accent-insensitive), by name; with the total. */
  async searchPeople(ctx: RequestContext, filter: { q?: string; role?: string; active?: boolean; offset: number; limit: number }): Promise<{ rows: AdminPersonRow[]; total: number }> {
    const rows = await ctx.query<AdminPersonRow & { total: string }>(
      `SELECT ${PERSON}, count(*) OVER () AS total FROM person p
       WHERE p.tenant_id = $1
         AND ($2::text IS NULL OR unaccent(lower(p.display_name)) LIKE '%' || unaccent(lower($2)) || '%' OR lower(p.login) LIKE lower($2) || '%' OR lower(p.email) LIKE lower($2) || '%')
         AND ($3::text IS NULL OR $3 = ANY(p.roles))
         AND ($4::boolean IS NULL OR p.active = $4)
       ORDER BY lower(p.display_name), p.login
       OFFSET $5 LIMIT $6`,
      [ctx.tenantId, filter.q ?? null, filter.role ?? null, filter.active ?? null, filter.offset, filter.limit],
    );
    return { rows: rows.map(({ total: _, ...r }) => r), total: rows.length ? Number(rows[0].total) : 0 };
  }

  /** A person by login, active or not, locked for the rest of the transaction when `lock`. */
  async person(ctx: RequestContext, login: string, lock = false): Promise<AdminPersonRow | undefined> {
    const [row] = await ctx.query<AdminPersonRow>(`SELECT ${PERSON} FROM person p WHERE p.tenant_id = $1 AND p.login = $2${lock ? ' FOR UPDATE' : ''}`, [ctx.tenantId, login]);
    return row;
  }

  async insertPerson(ctx: RequestContext, p: { login: string; name: string; email: string | null; phone: string | null; title: string | null; locale: string; roles: string[] }): Promise<AdminPersonRow | undefined> {
    const [row] = await ctx.query<AdminPersonRow>(
      `INSERT INTO person AS p (tenant_id, login, display_name, email, phone, title, locale, roles) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, login) DO NOTHING RETURNING ${PERSON}`,
      [ctx.tenantId, p.login, p.name, p.email, p.phone, p.title, p.locale, p.roles],
    );
    return row;
  }

  async updatePerson(ctx: RequestContext, id: string, p: { display_name: string; email: string | null; phone: string | null; title: string | null; locale: string; roles: string[]; active: boolean }): Promise<AdminPersonRow> {
    const [row] = await ctx.query<AdminPersonRow>(
      `UPDATE person p SET display_name = $3, email = $4, phone = $5, title = $6, locale = $7, roles = $8, active = $9, updated_at = now()
       WHERE p.tenant_id = $1 AND p.id = $2 RETURNING ${PERSON}`,
      [ctx.tenantId, id, p.display_name, p.email, p.phone, p.title, p.locale, p.roles, p.active],
    );
    return row;
  }

  /** The person's tickets, whatever their part in them (requester, beneficiary, assignee). */
  async ticketCount(ctx: RequestContext, personId: string): Promise<number> {
    const [row] = await ctx.query<{ n: string }>(
      `SELECT count(*) AS n FROM ticket WHERE tenant_id = $1 AND (requester_id = $2 OR beneficiary_id = $2 OR assignee_id = $2)`,
      [ctx.tenantId, personId],
    );
    return Number(row.n);
  }

  async memberships(ctx: RequestContext, personId: string): Promise<AdminMembershipRow[]> {
    return ctx.query<AdminMembershipRow>(
      `SELECT e.uai, e.name, pe.roles FROM person_establishment pe JOIN establishment e ON e.tenant_id = pe.tenant_id AND e.id = pe.establishment_id
       WHERE pe.tenant_id = $1 AND pe.person_id = $2 ORDER BY e.uai`,
      [ctx.tenantId, personId],
    );
  }

  /** Sets a membership's roles; returns the roles it had (null: it is new). */
  async setMembership(ctx: RequestContext, personId: string, establishmentId: string, roles: string[]): Promise<string[] | null> {
    const [before] = await ctx.query<{ roles: string[] }>(
      `SELECT roles FROM person_establishment WHERE tenant_id = $1 AND person_id = $2 AND establishment_id = $3 FOR UPDATE`,
      [ctx.tenantId, personId, establishmentId],
    );
    await ctx.query(
      `INSERT INTO person_establishment (tenant_id, person_id, establishment_id, roles) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, person_id, establishment_id) DO UPDATE SET roles = EXCLUDED.roles`,
      [ctx.tenantId, personId, establishmentId, roles],
    );
    return before?.roles ?? null;
  }

  /** Removes a membership; returns the roles it had, or null when there was none. */
  async removeMembership(ctx: RequestContext, personId: string, establishmentId: string): Promise<string[] | null> {
    const [row] = await ctx.query<{ roles: string[] }>(
      `DELETE FROM person_establishment WHERE tenant_id = $1 AND person_id = $2 AND establishment_id = $3 RETURNING roles`,
      [ctx.tenantId, personId, establishmentId],
    );
    return row?.roles ?? null;
  }

  async teamsOf(ctx: RequestContext, personId: string): Promise<{ key: string; lead: boolean; active: boolean }[]> {
    return ctx.query(
      `SELECT t.key, m.lead, t.active FROM team_member m JOIN team t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
       WHERE m.tenant_id = $1 AND m.person_id = $2 ORDER BY t.key`,
      [ctx.tenantId, personId],
    );
  }

  async teams(ctx: RequestContext): Promise<AdminTeamRow[]> {
    const rows = await ctx.query<AdminTeamRow & { members: string; leads: string }>(
      `SELECT t.id, t.key, t.name, t.email, t.active, count(m.person_id) AS members, count(m.person_id) FILTER (WHERE m.lead) AS leads
       FROM team t LEFT JOIN team_member m ON m.tenant_id = t.tenant_id AND m.team_id = t.id
       WHERE t.tenant_id = $1 GROUP BY t.tenant_id, t.id ORDER BY t.active DESC, t.key`,
      [ctx.tenantId],
    );
    return rows.map((r) => ({ ...r, members: Number(r.members), leads: Number(r.leads) }));
  }

  async team(ctx: RequestContext, key: string): Promise<{ id: string; key: string; active: boolean } | undefined> {
    const [row] = await ctx.query<{ id: string; key: string; active: boolean }>(`SELECT id, key, active FROM team WHERE tenant_id = $1 AND key = $2`, [ctx.tenantId, key]);
    return row;
  }

  async teamMembers(ctx: RequestContext, teamId: string): Promise<AdminTeamMemberRow[]> {
    return ctx.query<AdminTeamMemberRow>(
      `SELECT p.login, p.display_name, p.active, m.lead FROM team_member m JOIN person p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
       WHERE m.tenant_id = $1 AND m.team_id = $2 ORDER BY m.lead DESC, lower(p.display_name)`,
      [ctx.tenantId, teamId],
    );
  }

  /** Adds a member or changes their lead flag; returns the flag they had (null: new member). */
  async setTeamMember(ctx: RequestContext, teamId: string, personId: string, lead: boolean): Promise<boolean | null> {
    const [before] = await ctx.query<{ lead: boolean }>(`SELECT lead FROM team_member WHERE tenant_id = $1 AND team_id = $2 AND person_id = $3 FOR UPDATE`, [ctx.tenantId, teamId, personId]);
    await ctx.query(
      `INSERT INTO team_member (tenant_id, team_id, person_id, lead) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, team_id, person_id) DO UPDATE SET lead = EXCLUDED.lead`,
      [ctx.tenantId, teamId, personId, lead],
    );
    return before ? before.lead : null;
  }

  async removeTeamMember(ctx: RequestContext, teamId: string, personId: string): Promise<boolean | null> {
    const [row] = await ctx.query<{ lead: boolean }>(`DELETE FROM team_member WHERE tenant_id = $1 AND team_id = $2 AND person_id = $3 RETURNING lead`, [ctx.tenantId, teamId, personId]);
    return row ? row.lead : null;
  }

  async searchEstablishments(ctx: RequestContext, filter: { q?: string; offset: number; limit: number }): Promise<{ rows: AdminEstablishmentRow[]; total: number }> {
    const rows = await ctx.query<AdminEstablishmentRow & { people: string; total: string }>(
      `SELECT e.id, e.uai, e.name, e.kind, e.city,
              (SELECT count(*) FROM person_establishment pe WHERE pe.tenant_id = e.tenant_id AND pe.establishment_id = e.id) AS people,
              count(*) OVER () AS total
       FROM establishment e
       WHERE e.tenant_id = $1 AND ($2::text IS NULL OR e.uai = upper($2) OR unaccent(lower(e.name)) LIKE '%' || unaccent(lower($2)) || '%' OR unaccent(lower(e.city)) LIKE unaccent(lower($2)) || '%')
       ORDER BY e.uai OFFSET $3 LIMIT $4`,
      [ctx.tenantId, filter.q ?? null, filter.offset, filter.limit],
    );
    return { rows: rows.map(({ total: _, ...r }) => ({ ...r, people: Number(r.people) })), total: rows.length ? Number(rows[0].total) : 0 };
  }

  async establishment(ctx: RequestContext, uai: string, lock = false): Promise<Omit<AdminEstablishmentRow, 'people'> | undefined> {
    const [row] = await ctx.query<Omit<AdminEstablishmentRow, 'people'>>(
      `SELECT id, uai, name, kind, city FROM establishment WHERE tenant_id = $1 AND uai = $2${lock ? ' FOR UPDATE' : ''}`,
      [ctx.tenantId, uai],
    );
    return row;
  }

  async insertEstablishment(ctx: RequestContext, e: { uai: string; name: string; kind: string | null; city: string | null }): Promise<Omit<AdminEstablishmentRow, 'people'> | undefined> {
    const [row] = await ctx.query<Omit<AdminEstablishmentRow, 'people'>>(
      `INSERT INTO establishment (tenant_id, uai, name, kind, city) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, uai) DO NOTHING RETURNING id, uai, name, kind, city`,
      [ctx.tenantId, e.uai, e.name, e.kind, e.city],
    );
    return row;
  }

  async updateEstablishment(ctx: RequestContext, id: string, e: { name: string; kind: string | null; city: string | null }): Promise<Omit<AdminEstablishmentRow, 'people'>> {
    const [row] = await ctx.query<Omit<AdminEstablishmentRow, 'people'>>(
      `UPDATE establishment SET name = $3, kind = $4, city = $5 WHERE tenant_id = $1 AND id = $2 RETURNING id, uai, name, kind, city`,
      [ctx.tenantId, id, e.name, e.kind, e.city],
    );
    return row;
  }
}
