import argon2 from 'argon2';
import { NOT_INTEGRATION_SQL } from '../../src/auth/api-token.service.js';
import type { Clock } from '../../src/common/clock.js';
import { DomainError, FieldErrors } from '../../src/common/errors.js';
import type { RequestContext } from '../../src/common/request-context.js';
import { base32Decode, newTotpSecret, otpauthUri, verifyTotp } from './totp.js';

export interface LocalCredential {
  personId: string;
  login: string;
  passwordHash: string;
  totpSecret: string | null;
  totpLastStep: number | null;
}

/** argon2id with the library's defaults (64 MiB, 3 passes): about 50 ms a check on a server core. */
const HASH_OPTIONS = { type: argon2.argon2id } as const;

/** A hash to check against when the login is unknown, so that timing does not tell which logins exist. */
let decoy: Promise<string> | undefined;

/** Local passwords (argon2id) and TOTP secrets of a tenant's people. */
export class LocalCredentials {
  constructor(private readonly clock: Clock) {}

  async find(ctx: RequestContext, login: string): Promise<LocalCredential | undefined> {
    const [row] = await ctx.query<{ person_id: string; login: string; password_hash: string; totp_secret: string | null; totp_last_step: string | null }>(
      `SELECT c.person_id, p.login, c.password_hash, c.totp_secret, c.totp_last_step FROM local_credential c
       JOIN person p ON p.tenant_id = c.tenant_id AND p.id = c.person_id
       WHERE c.tenant_id = $1 AND p.login = $2 AND p.active AND ${NOT_INTEGRATION_SQL}`,
      [ctx.tenantId, login.trim()],
    );
    return row && { personId: row.person_id, login: row.login, passwordHash: row.password_hash, totpSecret: row.totp_secret, totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step) };
  }

  /** Sets a person's password (at least `minLength` characters); integrations have none (PERSON_NOT_FOUND). */
  async setPassword(ctx: RequestContext, login: string, password: string, minLength = 12): Promise<void> {
    const errors = new FieldErrors();
    if (password.length < minLength) errors.add('password', 'rule.minLength', { min: minLength });
    errors.throwIfAny();
    const personId = await this.personId(ctx, login);
    await ctx.query(
      `INSERT INTO local_credential (tenant_id, person_id, password_hash, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, person_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = EXCLUDED.updated_at`,
      [ctx.tenantId, personId, await argon2.hash(password, HASH_OPTIONS), this.clock.now()],
    );
  }

  /** Gives a person (who has a password) a new TOTP secret; returns it with the address to scan. */
  async enrolTotp(ctx: RequestContext, login: string, issuer: string): Promise<{ secret: string; uri: string }> {
    const personId = await this.personId(ctx, login);
    const secret = newTotpSecret();
    const rows = await ctx.query(
      `UPDATE local_credential SET totp_secret = $3, totp_last_step = NULL, updated_at = $4 WHERE tenant_id = $1 AND person_id = $2 RETURNING person_id`,
      [ctx.tenantId, personId, secret, this.clock.now()],
    );
    if (!rows.length) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    return { secret, uri: otpauthUri(secret, issuer, login) };
  }

  async verifyPassword(credential: LocalCredential | undefined, password: string): Promise<boolean> {
    if (!credential) {
      decoy ??= argon2.hash('decoy-password-for-unknown-logins', HASH_OPTIONS);
      await argon2.verify(await decoy, password);
      return false;
    }
    try {
      return await argon2.verify(credential.passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Checks a TOTP code and burns its step, so the same code cannot open a second session. */
  async useTotp(ctx: RequestContext, credential: LocalCredential, code: string): Promise<boolean> {
    if (!credential.totpSecret) return false;
    const step = verifyTotp(base32Decode(credential.totpSecret), code, this.clock.now(), { lastStep: credential.totpLastStep });
    if (step === null) return false;
    // Conditional on the step still being unused: two requests racing with one code get one session.
    const rows = await ctx.query(
      `UPDATE local_credential SET totp_last_step = $3 WHERE tenant_id = $1 AND person_id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3) RETURNING person_id`,
      [ctx.tenantId, credential.personId, step],
    );
    return rows.length > 0;
  }

  private async personId(ctx: RequestContext, login: string): Promise<string> {
    const [row] = await ctx.query<{ id: string }>(`SELECT p.id FROM person p WHERE p.tenant_id = $1 AND p.login = $2 AND ${NOT_INTEGRATION_SQL}`, [ctx.tenantId, login]);
    if (!row) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    return row.id;
  }
}
