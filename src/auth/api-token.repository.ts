import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

/** A token as listed: never its secret. */
export interface TokenRow<Scope extends string = string> {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** A live token with the person it acts for. */
export interface TokenHolderRow<Scope extends string = string> {
  id: string;
  scopes: Scope[];
  person_id: string;
  login: string;
  display_name: string;
  roles: string[];
  locale: string;
  last_used_at: Date | null;
  expires_at: Date | null;
}

/** The `api_token` table; `token_hash` is the SHA-256 of the secret. */
@Injectable()
export class ApiTokenRepository {
  async insert(ctx: RequestContext, row: { personId: string; name: string; tokenHash: string; scopes: string[]; expiresAt: Date | null; at: Date }): Promise<string> {
    const [inserted] = await ctx.query<{ id: string }>(
      `INSERT INTO api_token (tenant_id, person_id, name, token_hash, scopes, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [ctx.tenantId, row.personId, row.name, row.tokenHash, row.scopes, row.expiresAt, row.at],
    );
    return inserted.id;
  }

  /** The token with this hash, neither revoked nor expired at `now`, of an active person. */
  async live<Scope extends string>(ctx: RequestContext, tokenHash: string, now: Date): Promise<TokenHolderRow<Scope> | undefined> {
    const [row] = await ctx.query<TokenHolderRow<Scope>>(
      `SELECT t.id, t.scopes, p.id AS person_id, p.login, p.display_name, p.roles, p.locale, t.last_used_at, t.expires_at
       FROM api_token t JOIN person p ON p.tenant_id = t.tenant_id AND p.id = t.person_id
       WHERE t.tenant_id = $1 AND t.token_hash = $2 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $3) AND p.active`,
      [ctx.tenantId, tokenHash, now],
    );
    return row;
  }

  async touch(ctx: RequestContext, id: string, at: Date): Promise<void> {
    await ctx.query(`UPDATE api_token SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id, at]);
  }

  /** The tokens of the person with this login, oldest first. */
  async ofLogin<Scope extends string>(ctx: RequestContext, login: string): Promise<TokenRow<Scope>[]> {
    return ctx.query<TokenRow<Scope>>(
      `SELECT t.id, t.name, t.scopes, t.created_at AS "createdAt", t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt"
       FROM api_token t JOIN person p ON p.tenant_id = t.tenant_id AND p.id = t.person_id WHERE t.tenant_id = $1 AND p.login = $2 ORDER BY t.created_at`,
      [ctx.tenantId, login],
    );
  }

  /** Every token of the tenant with its person, newest first. */
  async all<Scope extends string>(ctx: RequestContext): Promise<(TokenRow<Scope> & { login: string; display_name: string; roles: string[] })[]> {
    return ctx.query<TokenRow<Scope> & { login: string; display_name: string; roles: string[] }>(
      `SELECT t.id, t.name, t.scopes, t.created_at AS "createdAt", t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt", t.last_used_at AS "lastUsedAt",
              p.login, p.display_name, p.roles
       FROM api_token t JOIN person p ON p.tenant_id = t.tenant_id AND p.id = t.person_id WHERE t.tenant_id = $1 ORDER BY t.created_at DESC, t.id`,
      [ctx.tenantId],
    );
  }

  /** Revokes a token not yet revoked; false when there is none. */
  async revoke(ctx: RequestContext, id: string, at: Date): Promise<boolean> {
    const rows = await ctx.query(`UPDATE api_token SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id`, [ctx.tenantId, id, at]);
    return rows.length > 0;
  }

  /** Revokes a token, keeping an earlier revocation's instant; false only when there is no such token. */
  async revokeKeepingFirst(ctx: RequestContext, id: string, at: Date): Promise<boolean> {
    const rows = await ctx.query(`UPDATE api_token SET revoked_at = coalesce(revoked_at, $3) WHERE tenant_id = $1 AND id = $2 RETURNING id`, [ctx.tenantId, id, at]);
    return rows.length > 0;
  }
}
