import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The core schema. Every tenant table leads its primary key, unique keys and indexes with
 * `tenant_id`, so that tables can later be distributed by that column (Citus) and every query
 * stays inside one tenant.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    // `unaccent` is not IMMUTABLE, so accent-insensitive search goes through a text search
    // configuration whose dictionaries unaccent then stem French words.
    await q.query(`CREATE TEXT SEARCH CONFIGURATION guichet_fr (COPY = french)`);
    await q.query(`ALTER TEXT SEARCH CONFIGURATION guichet_fr ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem`);
    await q.query(`CREATE TEXT SEARCH CONFIGURATION guichet_simple (COPY = simple)`);
    await q.query(`ALTER TEXT SEARCH CONFIGURATION guichet_simple ALTER MAPPING FOR hword, hword_part, word, asciiword, asciihword, hword_asciipart WITH unaccent, simple`);

    await q.query(`
      CREATE TABLE tenant (
        id text PRIMARY KEY,
        name text NOT NULL,
        pack_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE establishment (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        uai char(8) NOT NULL,
        name text NOT NULL,
        kind text,
        city text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, uai)
      )`);

    await q.query(`
      CREATE TABLE person (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        login text NOT NULL,
        display_name text NOT NULL,
        email text,
        notification_email text,
        phone text,
        title text,
        locale text NOT NULL DEFAULT 'fr',
        time_zone text,
        roles text[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, login)
      )`);
    await q.query(`CREATE INDEX person_name_idx ON person (tenant_id, lower(display_name) text_pattern_ops)`);

    await q.query(`
      CREATE TABLE person_establishment (
        tenant_id text NOT NULL,
        person_id uuid NOT NULL,
        establishment_id uuid NOT NULL,
        roles text[] NOT NULL DEFAULT '{member}',
        PRIMARY KEY (tenant_id, person_id, establishment_id),
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, establishment_id) REFERENCES establishment (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX person_establishment_by_establishment ON person_establishment (tenant_id, establishment_id)`);

    await q.query(`
      CREATE TABLE establishment_allow_list (
        tenant_id text NOT NULL,
        establishment_id uuid NOT NULL,
        person_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, establishment_id, person_id),
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, establishment_id) REFERENCES establishment (tenant_id, id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE team (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        key text NOT NULL,
        name jsonb NOT NULL,
        email text,
        active boolean NOT NULL DEFAULT true,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, key)
      )`);

    await q.query(`
      CREATE TABLE team_member (
        tenant_id text NOT NULL,
        team_id uuid NOT NULL,
        person_id uuid NOT NULL,
        lead boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, team_id, person_id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX team_member_by_person ON team_member (tenant_id, person_id)`);

    // The catalogue tree as a materialised path ("access/otp/otp-order"): the subtree of a node
    // is one indexed prefix scan.
    await q.query(`
      CREATE TABLE catalogue_node (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        key text NOT NULL,
        parent_key text,
        path text NOT NULL,
        depth int NOT NULL,
        position int NOT NULL DEFAULT 0,
        is_leaf boolean NOT NULL,
        name jsonb NOT NULL,
        description jsonb,
        keywords text[] NOT NULL DEFAULT '{}',
        synonyms text[] NOT NULL DEFAULT '{}',
        doc_url text,
        ticket_type text,
        team_key text,
        fields jsonb NOT NULL DEFAULT '[]',
        faq jsonb NOT NULL DEFAULT '[]',
        active boolean NOT NULL DEFAULT true,
        name_text text NOT NULL,
        terms_text text NOT NULL DEFAULT '',
        description_text text NOT NULL DEFAULT '',
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('guichet_fr'::regconfig, name_text), 'A') ||
          setweight(to_tsvector('guichet_simple'::regconfig, name_text || ' ' || terms_text), 'A') ||
          setweight(to_tsvector('guichet_fr'::regconfig, terms_text), 'B') ||
          setweight(to_tsvector('guichet_fr'::regconfig, description_text), 'D')
        ) STORED,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, key)
      )`);
    await q.query(`CREATE INDEX catalogue_node_path ON catalogue_node (tenant_id, path text_pattern_ops)`);
    await q.query(`CREATE INDEX catalogue_node_parent ON catalogue_node (tenant_id, parent_key, position)`);
    await q.query(`CREATE INDEX catalogue_node_search ON catalogue_node USING gin (search)`);

    await q.query(`
      CREATE TABLE ticket (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        reference text NOT NULL,
        type text NOT NULL,
        status text NOT NULL,
        status_category text NOT NULL CHECK (status_category IN ('new','open','waiting','resolved','closed')),
        status_changed_at timestamptz NOT NULL,
        catalogue_node_id uuid,
        establishment_id uuid,
        requester_id uuid NOT NULL,
        beneficiary_id uuid,
        team_id uuid,
        assignee_id uuid,
        title text NOT NULL,
        description text NOT NULL,
        impact text,
        urgency text,
        priority text,
        visibility text,
        fields jsonb NOT NULL DEFAULT '{}',
        solution text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        resolved_at timestamptz,
        closed_at timestamptz,
        anonymised_at timestamptz,
        version int NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, reference),
        FOREIGN KEY (tenant_id, catalogue_node_id) REFERENCES catalogue_node (tenant_id, id),
        FOREIGN KEY (tenant_id, establishment_id) REFERENCES establishment (tenant_id, id),
        FOREIGN KEY (tenant_id, requester_id) REFERENCES person (tenant_id, id),
        FOREIGN KEY (tenant_id, beneficiary_id) REFERENCES person (tenant_id, id),
        FOREIGN KEY (tenant_id, assignee_id) REFERENCES person (tenant_id, id),
        FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id)
      )`);
    // "Tickets of this requester in these status categories, newest first".
    await q.query(`CREATE INDEX ticket_by_requester ON ticket (tenant_id, requester_id, status_category, created_at DESC, id)`);
    await q.query(`CREATE INDEX ticket_by_beneficiary ON ticket (tenant_id, beneficiary_id, status_category, created_at DESC, id) WHERE beneficiary_id IS NOT NULL`);
    await q.query(`CREATE INDEX ticket_by_establishment ON ticket (tenant_id, establishment_id, status_category, created_at DESC, id)`);
    await q.query(`CREATE INDEX ticket_by_team ON ticket (tenant_id, team_id, status_category, created_at DESC, id)`);
    await q.query(`CREATE INDEX ticket_by_status_age ON ticket (tenant_id, status, status_changed_at)`);

    await q.query(`
      CREATE TABLE ticket_participant (
        tenant_id text NOT NULL,
        ticket_id uuid NOT NULL,
        person_id uuid NOT NULL,
        added_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, ticket_id, person_id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX ticket_participant_by_person ON ticket_participant (tenant_id, person_id, ticket_id)`);

    await q.query(`
      CREATE TABLE ticket_event (
        tenant_id text NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        ticket_id uuid NOT NULL,
        type text NOT NULL,
        actor_id uuid,
        public boolean NOT NULL DEFAULT true,
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ticket_event_by_ticket ON ticket_event (tenant_id, ticket_id, id)`);
    // History is append-only; only the retention timer, which sets guichet.retention in its
    // transaction, may delete it (purge) or blank it (anonymise).
    await q.query(`
      CREATE FUNCTION ticket_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('guichet.retention', true) = 'on' THEN
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        RAISE EXCEPTION 'ticket history is append-only' USING ERRCODE = 'P0001';
      END $$`);
    await q.query(`CREATE TRIGGER ticket_event_append_only BEFORE UPDATE OR DELETE ON ticket_event FOR EACH ROW EXECUTE FUNCTION ticket_event_append_only()`);

    await q.query(`
      CREATE TABLE attachment (
        tenant_id text NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL,
        event_id bigint,
        file_name text NOT NULL,
        content_type text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        storage_key text NOT NULL,
        uploaded_by uuid,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX attachment_by_ticket ON attachment (tenant_id, ticket_id)`);

    // Gap-free counters: incremented inside the creating transaction, so a rollback gives the number back.
    await q.query(`
      CREATE TABLE counter (
        tenant_id text NOT NULL REFERENCES tenant(id),
        scope text NOT NULL,
        value bigint NOT NULL,
        PRIMARY KEY (tenant_id, scope)
      )`);

    await q.query(`
      CREATE TABLE outbox (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        topic text NOT NULL,
        ticket_id uuid,
        recipient_id uuid,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','dead')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX outbox_due ON outbox (tenant_id, next_attempt_at) WHERE status = 'pending'`);

    await q.query(`
      CREATE TABLE api_token (
        tenant_id text NOT NULL REFERENCES tenant(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        person_id uuid NOT NULL,
        name text NOT NULL,
        token_hash text NOT NULL,
        scopes text[] NOT NULL DEFAULT '{read,write}',
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'api_token', 'outbox', 'counter', 'attachment', 'ticket_event', 'ticket_participant', 'ticket', 'catalogue_node',
      'team_member', 'team', 'establishment_allow_list', 'person_establishment', 'person', 'establishment', 'tenant',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
    await q.query(`DROP FUNCTION IF EXISTS ticket_event_append_only()`);
    await q.query(`DROP TEXT SEARCH CONFIGURATION IF EXISTS guichet_simple`);
    await q.query(`DROP TEXT SEARCH CONFIGURATION IF EXISTS guichet_fr`);
  }
}
