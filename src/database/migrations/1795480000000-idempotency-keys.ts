import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTable } from '../tenant-isolation.js';

/**
 * Answers of POST requests sent with an `Idempotency-Key`, kept 24 hours: the same key from the
 * same person gets the same answer instead of a second ticket. Written in the transaction of the
 * request it answers, so a key is stored if and only if what it created is.
 */
export class IdempotencyKeys1795480000000 implements MigrationInterface {
  name = 'IdempotencyKeys1795480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_key (
        tenant_id text NOT NULL REFERENCES tenant(id),
        person_id uuid NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer NOT NULL,
        body jsonb,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, person_id, key),
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idempotency_key_by_age ON idempotency_key (tenant_id, created_at)`);
    await isolateTenantTable(q, 'idempotency_key');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_key`);
  }
}
