import { Injectable } from '@nestjs/common';
import { CredentialStore, type StoredCredential } from '../plugin-host/sign-in-host.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { NOT_INTEGRATION_SQL } from './api-token.service.js';

/** The `local_credential` table: password hashes and TOTP secrets of a tenant's people. */
@Injectable()
export class LocalCredentialRepository extends CredentialStore {
  async find(ctx: RequestContext, login: string): Promise<StoredCredential | undefined> {
    const [row] = await ctx.query<{ person_id: string; login: string; password_hash: string; totp_secret: string | null; totp_last_step: string | null }>(
      `SELECT c.person_id, p.login, c.password_hash, c.totp_secret, c.totp_last_step FROM local_credential c
       JOIN person p ON p.tenant_id = c.tenant_id AND p.id = c.person_id
       WHERE c.tenant_id = $1 AND p.login = $2 AND p.active AND ${NOT_INTEGRATION_SQL}`,
      [ctx.tenantId, login.trim()],
    );
    return row && { personId: row.person_id, login: row.login, passwordHash: row.password_hash, totpSecret: row.totp_secret, totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step) };
  }

  async personId(ctx: RequestContext, login: string): Promise<string | undefined> {
    const [row] = await ctx.query<{ id: string }>(`SELECT p.id FROM person p WHERE p.tenant_id = $1 AND p.login = $2 AND ${NOT_INTEGRATION_SQL}`, [ctx.tenantId, login]);
    return row?.id;
  }

  async setPassword(ctx: RequestContext, personId: string, passwordHash: string, at: Date): Promise<void> {
    await ctx.query(
      `INSERT INTO local_credential (tenant_id, person_id, password_hash, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, person_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = EXCLUDED.updated_at`,
      [ctx.tenantId, personId, passwordHash, at],
    );
  }

  async setTotpSecret(ctx: RequestContext, personId: string, secret: string, at: Date): Promise<boolean> {
    const rows = await ctx.query(`UPDATE local_credential SET totp_secret = $3, totp_last_step = NULL, updated_at = $4 WHERE tenant_id = $1 AND person_id = $2 RETURNING person_id`, [ctx.tenantId, personId, secret, at]);
    return rows.length > 0;
  }

  async useTotpStep(ctx: RequestContext, personId: string, step: number): Promise<boolean> {
    // Conditional on the step still being unused: two requests racing with one code get one session.
    const rows = await ctx.query(
      `UPDATE local_credential SET totp_last_step = $3 WHERE tenant_id = $1 AND person_id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3) RETURNING person_id`,
      [ctx.tenantId, personId, step],
    );
    return rows.length > 0;
  }
}
