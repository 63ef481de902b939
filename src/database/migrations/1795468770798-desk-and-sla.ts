import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isolateTenantTable } from '../tenant-isolation.js';

/**
 * The agents' desk: full-text search over tickets (title, description, public exchanges), parent
 * tickets (mass incidents), SLA clocks with their due instants, and the knowledge entries agents
 * publish from solutions.
 */
export class DeskAndSla1795468770798 implements MigrationInterface {
  name = 'DeskAndSla1795468770798';

  async up(q: QueryRunner): Promise<void> {
    // Public exchanges are copied into the ticket by a trigger on the history, so that one
    // generated tsvector covers title, description and exchanges whatever code writes them.
    await q.query(`ALTER TABLE ticket ADD COLUMN parent_id uuid, ADD COLUMN exchanges_text text NOT NULL DEFAULT '', ADD COLUMN sla_due_at timestamptz`);
    await q.query(`ALTER TABLE ticket ADD CONSTRAINT ticket_parent_fk FOREIGN KEY (tenant_id, parent_id) REFERENCES ticket (tenant_id, id) ON DELETE SET NULL (parent_id)`);
    await q.query(`
      UPDATE ticket t SET exchanges_text = coalesce((
        SELECT string_agg(concat_ws(E'\\n', e.data->>'body', e.data->>'comment', e.data->>'solution'), E'\\n' ORDER BY e.id)
        FROM ticket_event e WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id AND e.public
          AND (e.data ? 'body' OR e.data ? 'comment' OR e.data ? 'solution')), '')
      WHERE t.anonymised_at IS NULL`);
    await q.query(`
      ALTER TABLE ticket ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('guichet_fr'::regconfig, title), 'A') ||
        setweight(to_tsvector('guichet_fr'::regconfig, description), 'B') ||
        setweight(to_tsvector('guichet_fr'::regconfig, exchanges_text), 'C')
      ) STORED`);
    // GIN cannot lead with tenant_id without btree_gin; queries always add tenant_id = $1 (as catalogue_node_search).
    await q.query(`CREATE INDEX ticket_search ON ticket USING gin (search)`);
    await q.query(`CREATE INDEX ticket_children ON ticket (tenant_id, parent_id) WHERE parent_id IS NOT NULL`);
    await q.query(`CREATE INDEX ticket_by_team_due ON ticket (tenant_id, team_id, sla_due_at, id) WHERE sla_due_at IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION ticket_exchange_indexed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE ticket SET exchanges_text = left(exchanges_text || E'\\n' || concat_ws(E'\\n', NEW.data->>'body', NEW.data->>'comment', NEW.data->>'solution'), 100000)
        WHERE tenant_id = NEW.tenant_id AND id = NEW.ticket_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER ticket_exchange_indexed AFTER INSERT ON ticket_event FOR EACH ROW
      WHEN (NEW.public AND (NEW.data ? 'body' OR NEW.data ? 'comment' OR NEW.data ? 'solution'))
      EXECUTE FUNCTION ticket_exchange_indexed()`);
    // Anonymisation blanks texts; the copy of the exchanges goes with them.
    await q.query(`
      CREATE FUNCTION ticket_anonymised() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.anonymised_at IS NOT NULL AND OLD.anonymised_at IS NULL THEN NEW.exchanges_text := ''; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER ticket_anonymised BEFORE UPDATE OF anonymised_at ON ticket FOR EACH ROW EXECUTE FUNCTION ticket_anonymised()`);

    // One row per running clock (take, resolve): due and warning instants are plain timestamps,
    // so queues sort by time left and the breach job claims what is due with SKIP LOCKED.
    await q.query(`
      CREATE TABLE ticket_sla (
        tenant_id text NOT NULL,
        ticket_id uuid NOT NULL,
        clock text NOT NULL CHECK (clock IN ('take', 'resolve')),
        target_ms bigint NOT NULL,
        used_ms bigint NOT NULL DEFAULT 0,
        running_since timestamptz,
        due_at timestamptz,
        warn_at timestamptz,
        met_at timestamptz,
        warned_at timestamptz,
        breached_at timestamptz,
        stale_since timestamptz,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, ticket_id, clock),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ticket_sla_breach_due ON ticket_sla (tenant_id, due_at) WHERE breached_at IS NULL AND due_at IS NOT NULL`);
    await q.query(`CREATE INDEX ticket_sla_warning_due ON ticket_sla (tenant_id, warn_at) WHERE warned_at IS NULL AND warn_at IS NOT NULL`);
    await q.query(`CREATE INDEX ticket_sla_stale ON ticket_sla (tenant_id, stale_since) WHERE stale_since IS NOT NULL`);
    // A status changed by code that does not recompute the clocks (set-based timers) leaves them
    // stale; the SLA job brings them up to date from the instant of the change.
    await q.query(`
      CREATE FUNCTION ticket_sla_stale() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE ticket_sla SET stale_since = coalesce(stale_since, NEW.status_changed_at) WHERE tenant_id = NEW.tenant_id AND ticket_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER ticket_sla_stale AFTER UPDATE OF status ON ticket FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ticket_sla_stale()`);

    await q.query(`
      CREATE TABLE knowledge_entry (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        catalogue_node_id uuid NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        source_ticket_id uuid,
        published_by uuid,
        published_at timestamptz NOT NULL,
        withdrawn_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, catalogue_node_id) REFERENCES catalogue_node (tenant_id, id),
        FOREIGN KEY (tenant_id, published_by) REFERENCES person (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX knowledge_by_node ON knowledge_entry (tenant_id, catalogue_node_id, published_at DESC) WHERE withdrawn_at IS NULL`);

    for (const table of ['ticket_sla', 'knowledge_entry']) await isolateTenantTable(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS knowledge_entry`);
    await q.query(`DROP TRIGGER IF EXISTS ticket_sla_stale ON ticket`);
    await q.query(`DROP FUNCTION IF EXISTS ticket_sla_stale()`);
    await q.query(`DROP TABLE IF EXISTS ticket_sla`);
    await q.query(`DROP TRIGGER IF EXISTS ticket_anonymised ON ticket`);
    await q.query(`DROP FUNCTION IF EXISTS ticket_anonymised()`);
    await q.query(`DROP TRIGGER IF EXISTS ticket_exchange_indexed ON ticket_event`);
    await q.query(`DROP FUNCTION IF EXISTS ticket_exchange_indexed()`);
    await q.query(`ALTER TABLE ticket DROP COLUMN IF EXISTS search, DROP CONSTRAINT IF EXISTS ticket_parent_fk`);
    await q.query(`ALTER TABLE ticket DROP COLUMN IF EXISTS parent_id, DROP COLUMN IF EXISTS exchanges_text, DROP COLUMN IF EXISTS sla_due_at`);
  }
}
