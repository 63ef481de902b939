import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the last pack sync recorded of a tenant's pack (statuses with their categories, transition
 * names), so that `guichet tenants plan` can say what the next version adds or retires.
 */
export class PackChanges1796600000000 implements MigrationInterface {
  name = 'PackChanges1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenant ADD COLUMN synced jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenant DROP COLUMN IF EXISTS synced`);
  }
}
