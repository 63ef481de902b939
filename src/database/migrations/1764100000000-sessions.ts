import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Portal sessions live in the database, so several instances share them. */
export class Sessions1764100000000 implements MigrationInterface {
  name = 'Sessions1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE session (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id text NOT NULL,
        person_id uuid NOT NULL,
        method text NOT NULL,
        csrf text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX session_by_person ON session (tenant_id, person_id)`);
    await q.query(`CREATE INDEX session_expiry ON session (tenant_id, expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS session`);
  }
}
