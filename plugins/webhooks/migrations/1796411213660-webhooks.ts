import { tenantTable, type MigrationInterface, type QueryRunner } from '../../../src/plugin-host/index.js';

/**
 * The webhooks plugin's tables: a tenant's subscriptions, the deliveries to make (an outbox
 * written in the transaction of the action that raised the event) and each attempt's outcome.
 */
export class PluginWebhooks1796411213660 implements MigrationInterface {
  name = 'PluginWebhooks1796411213660';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plugin_webhooks_subscription (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        url text NOT NULL,
        events text[] NOT NULL,
        secret text NOT NULL,
        description text NOT NULL DEFAULT '',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    // One row per event and subscription; `id` is the webhook-id, the same on every attempt.
    await q.query(`
      CREATE TABLE plugin_webhooks_delivery (
        tenant_id text NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        subscription_id uuid NOT NULL,
        event text NOT NULL,
        payload text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts int NOT NULL DEFAULT 0,
        lease uuid,
        next_attempt_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        delivered_at timestamptz,
        last_status_code int,
        last_error text,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, subscription_id) REFERENCES plugin_webhooks_subscription (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX plugin_webhooks_delivery_due ON plugin_webhooks_delivery (tenant_id, next_attempt_at, id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX plugin_webhooks_delivery_log ON plugin_webhooks_delivery (tenant_id, subscription_id, created_at DESC, id)`);
    await q.query(`CREATE INDEX plugin_webhooks_delivery_done ON plugin_webhooks_delivery (tenant_id, created_at) WHERE status <> 'pending'`);
    await q.query(`
      CREATE TABLE plugin_webhooks_attempt (
        tenant_id text NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        delivery_id uuid NOT NULL,
        attempt int NOT NULL,
        attempted_at timestamptz NOT NULL,
        status_code int,
        duration_ms int NOT NULL,
        error text,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, delivery_id) REFERENCES plugin_webhooks_delivery (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX plugin_webhooks_attempt_by_delivery ON plugin_webhooks_attempt (tenant_id, delivery_id, attempted_at)`);
    for (const table of ['plugin_webhooks_subscription', 'plugin_webhooks_delivery', 'plugin_webhooks_attempt']) await tenantTable(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS plugin_webhooks_attempt`);
    await q.query(`DROP TABLE IF EXISTS plugin_webhooks_delivery`);
    await q.query(`DROP TABLE IF EXISTS plugin_webhooks_subscription`);
  }
}
