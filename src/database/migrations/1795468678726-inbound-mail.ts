import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replies received by mail, one row per message: inserted in the transaction that posts the
 * reply, so a message delivered twice (an MTA retrying) is posted once. And an index for the
 * administrators' list of dead notifications.
 */
export class InboundMail1795468678726 implements MigrationInterface {
  name = 'InboundMail1795468678726';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_mail (
        tenant_id text NOT NULL REFERENCES tenant(id),
        message_key text NOT NULL,
        ticket_id uuid NOT NULL,
        person_id uuid NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, message_key),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX inbound_mail_by_ticket ON inbound_mail (tenant_id, ticket_id)`);
    // Row-level security like every tenant table: rows of the transaction's tenant only.
    const own = `tenant_id = current_setting('guichet.tenant', true)`;
    await q.query(`ALTER TABLE inbound_mail ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON inbound_mail USING (${own}) WITH CHECK (${own})`);
    await q.query(`CREATE INDEX outbox_dead ON outbox (tenant_id, created_at DESC) WHERE status = 'dead'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS outbox_dead`);
    await q.query(`DROP TABLE IF EXISTS inbound_mail`);
  }
}
