import type { QueryRunner } from 'typeorm';

/**
 * The role the application's queries run as (`SET LOCAL ROLE` inside each transaction): not a
 * superuser and not the tables' owner, so PostgreSQL's row-level security applies to it.
 */
export const APP_ROLE = 'guichet_app';

/** The setting that names the tenant of the current transaction; policies compare rows with it. */
export const TENANT_SETTING = 'guichet.tenant';

/** One statement that enters a tenant: tenant setting and role, local to the transaction when `local`. */
export function enterTenantSql(local: boolean): string {
  return `SELECT set_config('${TENANT_SETTING}', $1, ${local}), set_config('role', '${APP_ROLE}', ${local})`;
}

/**
 * The same as `enterTenantSql(true)` with the tenant written as a literal, for the simple query
 * protocol (no parameters). Tenant ids are pack ids (`[a-z0-9-]`, checked by the pack schema); any
 * other id is refused here rather than quoted.
 */
export function enterTenantLiteralSql(tenantId: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
  return `SELECT set_config('${TENANT_SETTING}', '${tenantId}', true), set_config('role', '${APP_ROLE}', true)`;
}

/** Leaves what `enterTenantSql(false)` set on a pooled connection. */
export const LEAVE_TENANT_SQL = `SELECT set_config('role', 'none', false), set_config('${TENANT_SETTING}', '', false)`;

/**
 * Row-level security on one tenant table: rows are visible and writable only when their tenant is
 * the transaction's. Migrations that add a tenant table call this (test/e2e/isolation checks every
 * table with a `tenant_id` column has it).
 */
export async function isolateTenantTable(q: QueryRunner, table: string, column = 'tenant_id'): Promise<void> {
  const condition = `${column} = current_setting('${TENANT_SETTING}', true)`;
  await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await q.query(`DROP POLICY IF EXISTS tenant_isolation ON ${table}`);
  await q.query(`CREATE POLICY tenant_isolation ON ${table} USING (${condition}) WITH CHECK (${condition})`);
}

/** The application role, its privileges on every table (and on tables migrations create later). */
export async function createAppRole(q: QueryRunner): Promise<void> {
  // Roles are cluster-wide: several databases (tests, tenants' nodes) share one.
  await q.query(`DO $$ BEGIN CREATE ROLE ${APP_ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  // A non-superuser owner must be a member to SET ROLE; a superuser needs nothing.
  await q.query(`DO $$ BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AND NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
        EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
      END IF;
    END $$`);
  await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
  await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`);
  await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`);
  await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`);
  await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}`);
  await q.query(`REVOKE ALL ON TABLE migrations FROM ${APP_ROLE}`);
}

/** Tables of the public schema that carry a `tenant_id` column. */
export async function tenantTables(q: { query(sql: string): Promise<{ table_name: string }[]> }): Promise<string[]> {
  const rows = await q.query(
    `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}
