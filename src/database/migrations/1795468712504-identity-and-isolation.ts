import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, createAppRole, isolateTenantTable, tenantTables } from '../tenant-isolation.js';

/**
 * Sign-in state shared by instances (pending identity-provider round trips, rate limits and
 * lockouts, local passwords), and row-level security on every tenant table: the application's
 * queries run as `guichet_app`, which sees only the rows of the tenant its transaction names.
 */
export class IdentityAndIsolation1795468712504 implements MigrationInterface {
  name = 'IdentityAndIsolation1795468712504';

  async up(q: QueryRunner): Promise<void> {
    // A round trip to an identity provider (OIDC, CAS): what the callback must find again.
    // `id` is the hash of the state sent to the provider; `binding` the hash of the browser's cookie.
    await q.query(`
      CREATE TABLE auth_flow (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id text NOT NULL,
        plugin text NOT NULL,
        binding text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX auth_flow_expiry ON auth_flow (tenant_id, expires_at)`);

    // Fixed-window counters: sign-in attempts per address and per login, failures before a lockout.
    await q.query(`
      CREATE TABLE sign_in_throttle (
        tenant_id text NOT NULL REFERENCES tenant(id),
        key text NOT NULL,
        window_start timestamptz NOT NULL,
        hits int NOT NULL,
        locked_until timestamptz,
        PRIMARY KEY (tenant_id, key)
      )`);

    await q.query(`
      CREATE TABLE local_credential (
        tenant_id text NOT NULL,
        person_id uuid NOT NULL,
        password_hash text NOT NULL,
        totp_secret text,
        totp_last_step bigint,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, person_id),
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE
      )`);

    await q.query(`CREATE INDEX api_token_by_person ON api_token (tenant_id, person_id)`);

    await createAppRole(q);
    for (const table of await tenantTables(q)) await isolateTenantTable(q, table);
    await isolateTenantTable(q, 'tenant', 'id');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [...(await tenantTables(q)), 'tenant']) {
      await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${table}`);
      await q.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await q.query(`DROP INDEX IF EXISTS api_token_by_person`);
    await q.query(`DROP TABLE IF EXISTS local_credential`);
    await q.query(`DROP TABLE IF EXISTS sign_in_throttle`);
    await q.query(`DROP TABLE IF EXISTS auth_flow`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`);
  }
}
