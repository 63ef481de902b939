import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';
import { NOT_INTEGRATION_SQL } from './api-token.service.js';

/** Who may hold a portal session: an active person, never an integration. */
const PORTAL_PERSON = `p.active AND ${NOT_INTEGRATION_SQL}`;

export interface SessionRow {
  id: string;
  person_id: string;
  login: string;
  display_name: string;
  roles: string[];
  locale: string;
  csrf: string;
  method: string;
  last_seen_at: Date;
}

/** The `session` table; `id` is the hash of the cookie token. */
@Injectable()
export class SessionRepository {
  /** False when the person may not hold a session (deactivated, an integration). */
  async insert(ctx: RequestContext, row: { id: string; personId: string; method: string; csrf: string; at: Date; expiresAt: Date }): Promise<boolean> {
    const opened = await ctx.query(
      `INSERT INTO session (tenant_id, id, person_id, method, csrf, created_at, last_seen_at, expires_at)
       SELECT p.tenant_id, $2, p.id, $4, $5, $6::timestamptz, $6::timestamptz, $7::timestamptz FROM person p WHERE p.tenant_id = $1 AND p.id = $3 AND ${PORTAL_PERSON}
       RETURNING id`,
      [ctx.tenantId, row.id, row.personId, row.method, row.csrf, row.at, row.expiresAt],
    );
    return opened.length > 0;
  }

  /** A live session: not expired, used since `idleSince`, of a person who may still hold it. */
  async live(ctx: RequestContext, id: string, now: Date, idleSince: Date): Promise<SessionRow | undefined> {
    const [row] = await ctx.query<SessionRow>(
      `SELECT s.id, s.person_id, p.login, p.display_name, p.roles, p.locale, s.csrf, s.method, s.last_seen_at
       FROM session s JOIN person p ON p.tenant_id = s.tenant_id AND p.id = s.person_id
       WHERE s.tenant_id = $1 AND s.id = $2 AND s.expires_at > $3 AND s.last_seen_at > $4 AND ${PORTAL_PERSON}`,
      [ctx.tenantId, id, now, idleSince],
    );
    return row;
  }

  async touch(ctx: RequestContext, id: string, at: Date): Promise<void> {
    await ctx.query(`UPDATE session SET last_seen_at = $3 WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id, at]);
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await ctx.query(`DELETE FROM session WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]);
  }

  /** Removes sessions expired at `now` or idle since `idleSince`; returns how many. */
  async sweep(ctx: RequestContext, now: Date, idleSince: Date): Promise<number> {
    return (await ctx.query(`DELETE FROM session WHERE tenant_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3) RETURNING id`, [ctx.tenantId, now, idleSince])).length;
  }
}
