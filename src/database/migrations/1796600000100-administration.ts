import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTable } from '../tenant-isolation.js';

/**
 * The tenant administrators' audit log, append-only like the tickets' history: who changed what,
 * with the values before and after. And, on people, where the directory sync got them from, so
 * a sync deactivates only the people it manages.
 */
export class Administration1796600000100 implements MigrationInterface {
  name = 'Administration1796600000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_audit (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id bigint GENERATED ALWAYS AS IDENTITY,
        actor_id uuid,
        actor_login text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target text NOT NULL,
        before jsonb,
        after jsonb,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX admin_audit_by_target ON admin_audit (tenant_id, target_type, target, id)`);
    await q.query(`
      CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the admin audit log is append-only' USING ERRCODE = 'P0001';
      END $$`);
    await q.query(`CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()`);
    await isolateTenantTable(q, 'admin_audit');
    await q.query(`ALTER TABLE person ADD COLUMN directory_source text, ADD COLUMN directory_seen_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE person DROP COLUMN IF EXISTS directory_source, DROP COLUMN IF EXISTS directory_seen_at`);
    await q.query(`DROP TABLE IF EXISTS admin_audit`);
    await q.query(`DROP FUNCTION IF EXISTS admin_audit_append_only()`);
  }
}
