import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboards read "tickets of this person in these status categories, newest first" ordered by
 * (created_at DESC, id DESC): the indexes now end the same way, so one category is one ordered
 * range scan that stops at the page size (measured in docs/benchmarks.md).
 */
export class RequesterIndexOrder1795470734911 implements MigrationInterface {
  name = 'RequesterIndexOrder1795470734911';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ticket_by_requester`);
    await q.query(`CREATE INDEX ticket_by_requester ON ticket (tenant_id, requester_id, status_category, created_at DESC, id DESC)`);
    await q.query(`DROP INDEX IF EXISTS ticket_by_beneficiary`);
    await q.query(`CREATE INDEX ticket_by_beneficiary ON ticket (tenant_id, beneficiary_id, status_category, created_at DESC, id DESC) WHERE beneficiary_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ticket_by_requester`);
    await q.query(`CREATE INDEX ticket_by_requester ON ticket (tenant_id, requester_id, status_category, created_at DESC, id)`);
    await q.query(`DROP INDEX IF EXISTS ticket_by_beneficiary`);
    await q.query(`CREATE INDEX ticket_by_beneficiary ON ticket (tenant_id, beneficiary_id, status_category, created_at DESC, id) WHERE beneficiary_id IS NOT NULL`);
  }
}
