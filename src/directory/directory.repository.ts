import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';
import type { Localized } from '../common/localized.js';

export interface PersonRow {
  id: string;
  login: string;
  display_name: string;
  email: string | null;
  notification_email: string | null;
  phone: string | null;
  title: string | null;
  locale: string;
  time_zone: string | null;
  roles: string[];
}

export interface EstablishmentRow {
  id: string;
  uai: string;
  name: string;
  kind: string | null;
  city: string | null;
}

export interface Membership extends EstablishmentRow {
  roles: string[];
}

export interface TeamRow {
  id: string;
  key: string;
  name: Localized;
  email: string | null;
}

const PERSON = `id, login, display_name, email, notification_email, phone, title, locale, time_zone, roles`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class DirectoryRepository {
  async personByLoginOrId(ctx: RequestContext, ref: string): Promise<PersonRow | undefined> {
    const column = UUID.test(ref) ? 'id' : 'login';
    const [row] = await ctx.query<PersonRow>(`SELECT ${PERSON} FROM person WHERE tenant_id = $1 AND ${column} = $2 AND active`, [ctx.tenantId, ref]);
    return row;
  }

  async peopleByIds(ctx: RequestContext, ids: string[]): Promise<PersonRow[]> {
    if (!ids.length) return [];
    return ctx.query<PersonRow>(`SELECT ${PERSON} FROM person WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [ctx.tenantId, ids]);
  }

  /** People whose name or login starts with, or whose name contains, `q`; accent-insensitive. */
  async searchPeople(ctx: RequestContext, q: string, limit: number, establishmentId?: string): Promise<(PersonRow & { establishments: string[] })[]> {
    return ctx.query(
      `SELECT ${PERSON.split(', ').map((c) => `p.${c}`).join(', ')},
              coalesce(array_agg(e.name ORDER BY e.name) FILTER (WHERE e.id IS NOT NULL), '{}') AS establishments
       FROM person p
       LEFT JOIN person_establishment pe ON pe.tenant_id = p.tenant_id AND pe.person_id = p.id
       LEFT JOIN establishment e ON e.tenant_id = pe.tenant_id AND e.id = pe.establishment_id
       WHERE p.tenant_id = $1 AND p.active
         AND (unaccent(lower(p.display_name)) LIKE '%' || unaccent(lower($2)) || '%' OR lower(p.login) LIKE lower($2) || '%')
         AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM person_establishment x WHERE x.tenant_id = p.tenant_id AND x.person_id = p.id AND x.establishment_id = $4))
       GROUP BY p.tenant_id, p.id
       ORDER BY p.display_name
       LIMIT $3`,
      [ctx.tenantId, q, limit, establishmentId ?? null],
    );
  }

  async membershipsOf(ctx: RequestContext, personId: string): Promise<Membership[]> {
    return ctx.query<Membership>(
      `SELECT e.id, e.uai, e.name, e.kind, e.city, pe.roles FROM person_establishment pe
       JOIN establishment e ON e.tenant_id = pe.tenant_id AND e.id = pe.establishment_id
       WHERE pe.tenant_id = $1 AND pe.person_id = $2 ORDER BY e.name`,
      [ctx.tenantId, personId],
    );
  }

  /** An establishment by UAI or id with the roles `personId` holds in it (null when not a member): one statement for the create form. */
  async establishmentFor(ctx: RequestContext, ref: string, personId: string): Promise<(EstablishmentRow & { member_roles: string[] | null }) | undefined> {
    const column = UUID.test(ref) ? 'id' : 'uai';
    const [row] = await ctx.query<EstablishmentRow & { member_roles: string[] | null }>(
      `SELECT e.id, e.uai, e.name, e.kind, e.city, pe.roles AS member_roles FROM establishment e
       LEFT JOIN person_establishment pe ON pe.tenant_id = e.tenant_id AND pe.establishment_id = e.id AND pe.person_id = $3
       WHERE e.tenant_id = $1 AND e.${column} = $2`,
      [ctx.tenantId, column === 'uai' ? ref.trim().toUpperCase() : ref, personId],
    );
    return row;
  }

  async establishmentByUaiOrId(ctx: RequestContext, ref: string): Promise<EstablishmentRow | undefined> {
    const column = UUID.test(ref) ? 'id' : 'uai';
    const [row] = await ctx.query<EstablishmentRow>(`SELECT id, uai, name, kind, city FROM establishment WHERE tenant_id = $1 AND ${column} = $2`, [
      ctx.tenantId,
      column === 'uai' ? ref.trim().toUpperCase() : ref,
    ]);
    return row;
  }

  async establishmentById(ctx: RequestContext, id: string): Promise<EstablishmentRow | undefined> {
    const [row] = await ctx.query<EstablishmentRow>(`SELECT id, uai, name, kind, city FROM establishment WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]);
    return row;
  }

  /** Whether `personId` may be a participant of tickets of `establishmentId`: a member, or on its allow-list. */
  async isAllowedFor(ctx: RequestContext, establishmentId: string, personId: string): Promise<boolean> {
    const [row] = await ctx.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM establishment_allow_list WHERE tenant_id = $1 AND establishment_id = $2 AND person_id = $3)
           OR EXISTS (SELECT 1 FROM person_establishment WHERE tenant_id = $1 AND establishment_id = $2 AND person_id = $3) AS ok`,
      [ctx.tenantId, establishmentId, personId],
    );
    return row.ok;
  }

  async upsertEstablishments(ctx: RequestContext, rows: { uai: string; name: string; kind?: string; city?: string }[]): Promise<number> {
    const result = await ctx.query<{ id: string }>(
      `INSERT INTO establishment (tenant_id, uai, name, kind, city)
       SELECT $1, r.uai, r.name, r.kind, r.city FROM jsonb_to_recordset($2::jsonb) AS r(uai text, name text, kind text, city text)
       ON CONFLICT (tenant_id, uai) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, city = EXCLUDED.city
       RETURNING id`,
      [ctx.tenantId, JSON.stringify(rows)],
    );
    return result.length;
  }

  async upsertPerson(ctx: RequestContext, p: { login: string; name: string; email?: string; roles?: string[]; title?: string; phone?: string; locale?: string }): Promise<string> {
    const [row] = await ctx.query<{ id: string }>(
      `INSERT INTO person (tenant_id, login, display_name, email, roles, title, phone, locale)
       VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, 'fr'))
       ON CONFLICT (tenant_id, login) DO UPDATE SET display_name = EXCLUDED.display_name, email = EXCLUDED.email, roles = EXCLUDED.roles,
         title = EXCLUDED.title, phone = EXCLUDED.phone, updated_at = now()
       RETURNING id`,
      [ctx.tenantId, p.login, p.name, p.email ?? null, p.roles ?? [], p.title ?? null, p.phone ?? null, p.locale ?? null],
    );
    return row.id;
  }

  async setMembership(ctx: RequestContext, personId: string, establishmentId: string, roles: string[]): Promise<void> {
    await ctx.query(
      `INSERT INTO person_establishment (tenant_id, person_id, establishment_id, roles) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, person_id, establishment_id) DO UPDATE SET roles = EXCLUDED.roles`,
      [ctx.tenantId, personId, establishmentId, roles],
    );
  }

  async addToAllowList(ctx: RequestContext, establishmentId: string, personId: string): Promise<void> {
    await ctx.query(`INSERT INTO establishment_allow_list (tenant_id, establishment_id, person_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      ctx.tenantId,
      establishmentId,
      personId,
    ]);
  }

  async syncTeams(ctx: RequestContext, teams: { key: string; name: Localized; email?: string }[]): Promise<void> {
    await ctx.query(
      `INSERT INTO team (tenant_id, key, name, email, active)
       SELECT $1, r.key, r.name, r.email, true FROM jsonb_to_recordset($2::jsonb) AS r(key text, name jsonb, email text)
       ON CONFLICT (tenant_id, key) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, active = true`,
      [ctx.tenantId, JSON.stringify(teams)],
    );
    await ctx.query(`UPDATE team SET active = false WHERE tenant_id = $1 AND NOT (key = ANY($2::text[]))`, [ctx.tenantId, teams.map((t) => t.key)]);
  }

  async teamByKey(ctx: RequestContext, key: string): Promise<TeamRow | undefined> {
    const [row] = await ctx.query<TeamRow>(`SELECT id, key, name, email FROM team WHERE tenant_id = $1 AND key = $2 AND active`, [ctx.tenantId, key]);
    return row;
  }

  async teamsByIds(ctx: RequestContext, ids: string[]): Promise<TeamRow[]> {
    if (!ids.length) return [];
    return ctx.query<TeamRow>(`SELECT id, key, name, email FROM team WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [ctx.tenantId, ids]);
  }

  async addTeamMember(ctx: RequestContext, teamId: string, personId: string, lead: boolean): Promise<void> {
    await ctx.query(
      `INSERT INTO team_member (tenant_id, team_id, person_id, lead) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, team_id, person_id) DO UPDATE SET lead = EXCLUDED.lead`,
      [ctx.tenantId, teamId, personId, lead],
    );
  }

  /** The active teams a person belongs to. */
  async teamsOf(ctx: RequestContext, personId: string): Promise<(TeamRow & { lead: boolean })[]> {
    return ctx.query(
      `SELECT t.id, t.key, t.name, t.email, m.lead FROM team_member m JOIN team t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
       WHERE m.tenant_id = $1 AND m.person_id = $2 AND t.active ORDER BY t.key`,
      [ctx.tenantId, personId],
    );
  }

  async teamIdsOf(ctx: RequestContext, personId: string): Promise<string[]> {
    const rows = await ctx.query<{ team_id: string }>(`SELECT team_id FROM team_member WHERE tenant_id = $1 AND person_id = $2`, [ctx.tenantId, personId]);
    return rows.map((r) => r.team_id);
  }

  async countPeople(ctx: RequestContext): Promise<number> {
    const [row] = await ctx.query<{ n: string }>(`SELECT count(*) AS n FROM person WHERE tenant_id = $1`, [ctx.tenantId]);
    return Number(row.n);
  }

  /**
   * Creates or updates a person from a sign-in: name and e-mail follow the identity provider,
   * roles only when it gives them (`null` keeps them). A deactivated person stays deactivated.
   */
  async upsertSignedIn(ctx: RequestContext, p: { login: string; name: string; email?: string; roles: string[] | null }): Promise<{ id: string; active: boolean }> {
    const [row] = await ctx.query<{ id: string; active: boolean }>(
      `INSERT INTO person (tenant_id, login, display_name, email, roles) VALUES ($1, $2, $3, $4, coalesce($5::text[], '{}'))
       ON CONFLICT (tenant_id, login) DO UPDATE SET display_name = EXCLUDED.display_name, email = coalesce(EXCLUDED.email, person.email),
         roles = CASE WHEN $5::text[] IS NULL THEN person.roles ELSE EXCLUDED.roles END, updated_at = now()
       RETURNING id, active`,
      [ctx.tenantId, p.login, p.name, p.email ?? null, p.roles],
    );
    return row;
  }

  /** Makes a person's memberships of the `managed` teams exactly `teams` (active teams only); other teams are left alone. */
  async replaceTeamMemberships(ctx: RequestContext, personId: string, managed: string[], teams: { key: string; lead: boolean }[]): Promise<void> {
    await ctx.query(
      `WITH managed AS (SELECT id, key FROM team WHERE tenant_id = $1 AND active AND key = ANY($3::text[])),
       target AS (SELECT m.id AS team_id, r.lead FROM jsonb_to_recordset($4::jsonb) AS r(key text, lead boolean) JOIN managed m ON m.key = r.key),
       gone AS (
         DELETE FROM team_member tm WHERE tm.tenant_id = $1 AND tm.person_id = $2 AND tm.team_id IN (SELECT id FROM managed) AND tm.team_id NOT IN (SELECT team_id FROM target))
       INSERT INTO team_member AS tm (tenant_id, team_id, person_id, lead) SELECT $1, team_id, $2, lead FROM target
       ON CONFLICT (tenant_id, team_id, person_id) DO UPDATE SET lead = EXCLUDED.lead WHERE tm.lead IS DISTINCT FROM EXCLUDED.lead`,
      [ctx.tenantId, personId, managed, JSON.stringify(teams)],
    );
  }

  /** Makes a person's memberships exactly these (establishment id → roles). */
  async replaceMemberships(ctx: RequestContext, personId: string, memberships: { establishmentId: string; roles: string[] }[]): Promise<void> {
    await ctx.query(
      `DELETE FROM person_establishment WHERE tenant_id = $1 AND person_id = $2 AND NOT (establishment_id = ANY($3::uuid[]))`,
      [ctx.tenantId, personId, memberships.map((m) => m.establishmentId)],
    );
    for (const m of memberships) await this.setMembership(ctx, personId, m.establishmentId, m.roles);
  }
}
