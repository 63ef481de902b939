import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

export interface ProfileChange {
  /** Where notifications go; null: the directory address. */
  notificationEmail: string | null;
  locale: string;
  /** IANA zone dates are shown in; null: the tenant's. */
  timeZone: string | null;
}

export interface Persona {
  login: string;
  display_name: string;
  title: string | null;
  roles: string[];
}

/** What people change about themselves, and the list of people a demo sign-in offers. */
@Injectable()
export class ProfileRepository {
  async update(ctx: RequestContext, personId: string, change: ProfileChange): Promise<void> {
    await ctx.query(`UPDATE person SET notification_email = $3, locale = $4, time_zone = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
      ctx.tenantId,
      personId,
      change.notificationEmail,
      change.locale,
      change.timeZone,
    ]);
  }

  /** Active people, requesters first then agents, by name; only `logins` when given. */
  async personas(ctx: RequestContext, logins?: string[]): Promise<Persona[]> {
    return ctx.query<Persona>(
      `SELECT login, display_name, title, roles FROM person
       WHERE tenant_id = $1 AND active AND ($2::text[] IS NULL OR login = ANY($2::text[]))
       ORDER BY cardinality(roles) > 0, display_name LIMIT 500`,
      [ctx.tenantId, logins ?? null],
    );
  }
}
