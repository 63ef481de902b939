import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';
import type { Localized } from '../common/localized.js';
import type { CatalogueEntry, FormField } from '../tenancy/tenant-pack.js';

export interface CatalogueNodeRow {
  id: string;
  key: string;
  parent_key: string | null;
  path: string;
  depth: number;
  position: number;
  is_leaf: boolean;
  name: Localized;
  description: Localized | null;
  keywords: string[];
  synonyms: string[];
  doc_url: string | null;
  ticket_type: string | null;
  team_key: string | null;
  fields: FormField[];
  faq: { title: Localized; body: Localized }[];
}

const COLUMNS = `id, key, parent_key, path, depth, position, is_leaf, name, description, keywords, synonyms, doc_url, ticket_type, team_key, fields, faq`;

@Injectable()
export class CatalogueRepository {
  /** Makes the table match the pack: upsert by key, deactivate what the pack no longer has (tickets keep their leaf). */
  async sync(ctx: RequestContext, entries: CatalogueEntry[]): Promise<void> {
    const rows = entries.map((e) => ({
      key: e.key,
      parent_key: e.parentKey,
      path: e.path.join('/'),
      depth: e.depth,
      position: e.position,
      is_leaf: e.leaf,
      name: e.name,
      description: e.description ?? null,
      keywords: e.keywords,
      synonyms: e.synonyms,
      doc_url: e.doc ?? null,
      ticket_type: e.type ?? null,
      team_key: e.team ?? null,
      fields: e.fields,
      faq: e.faq,
      name_text: [e.name.fr, e.name.en].filter(Boolean).join(' '),
      terms_text: [...e.keywords, ...e.synonyms].join(' '),
      description_text: [e.description?.fr, e.description?.en].filter(Boolean).join(' '),
    }));
    await ctx.query(
      `INSERT INTO catalogue_node (tenant_id, key, parent_key, path, depth, position, is_leaf, name, description, keywords, synonyms,
         doc_url, ticket_type, team_key, fields, faq, name_text, terms_text, description_text, active)
       SELECT $1, r.key, r.parent_key, r.path, r.depth, r.position, r.is_leaf, r.name, r.description, r.keywords, r.synonyms,
         r.doc_url, r.ticket_type, r.team_key, r.fields, r.faq, r.name_text, r.terms_text, r.description_text, true
       FROM jsonb_to_recordset($2::jsonb) AS r(key text, parent_key text, path text, depth int, position int, is_leaf boolean,
         name jsonb, description jsonb, keywords text[], synonyms text[], doc_url text, ticket_type text, team_key text,
         fields jsonb, faq jsonb, name_text text, terms_text text, description_text text)
       ON CONFLICT (tenant_id, key) DO UPDATE SET parent_key = EXCLUDED.parent_key, path = EXCLUDED.path, depth = EXCLUDED.depth,
         position = EXCLUDED.position, is_leaf = EXCLUDED.is_leaf, name = EXCLUDED.name, description = EXCLUDED.description,
         keywords = EXCLUDED.keywords, synonyms = EXCLUDED.synonyms, doc_url = EXCLUDED.doc_url, ticket_type = EXCLUDED.ticket_type,
         team_key = EXCLUDED.team_key, fields = EXCLUDED.fields, faq = EXCLUDED.faq, name_text = EXCLUDED.name_text,
         terms_text = EXCLUDED.terms_text, description_text = EXCLUDED.description_text, active = true`,
      [ctx.tenantId, JSON.stringify(rows)],
    );
    await ctx.query(`UPDATE catalogue_node SET active = false WHERE tenant_id = $1 AND active AND NOT (key = ANY($2::text[]))`, [
      ctx.tenantId,
      rows.map((r) => r.key),
    ]);
  }

  async children(ctx: RequestContext, parentKey: string | null): Promise<CatalogueNodeRow[]> {
    return ctx.query<CatalogueNodeRow>(
      `SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND active AND parent_key IS NOT DISTINCT FROM $2 ORDER BY position, key`,
      [ctx.tenantId, parentKey],
    );
  }

  async all(ctx: RequestContext): Promise<CatalogueNodeRow[]> {
    return ctx.query<CatalogueNodeRow>(`SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND active ORDER BY path`, [ctx.tenantId]);
  }

  async byKey(ctx: RequestContext, key: string): Promise<CatalogueNodeRow | undefined> {
    const [row] = await ctx.query<CatalogueNodeRow>(`SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND key = $2 AND active`, [ctx.tenantId, key]);
    return row;
  }

  async byIds(ctx: RequestContext, ids: string[]): Promise<CatalogueNodeRow[]> {
    if (!ids.length) return [];
    return ctx.query<CatalogueNodeRow>(`SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [ctx.tenantId, ids]);
  }

  async byId(ctx: RequestContext, id: string): Promise<CatalogueNodeRow | undefined> {
    const [row] = await ctx.query<CatalogueNodeRow>(`SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]);
    return row;
  }

  /** Nodes whose keys are given, e.g. the ancestors named by a path. */
  async byKeys(ctx: RequestContext, keys: string[]): Promise<CatalogueNodeRow[]> {
    return ctx.query<CatalogueNodeRow>(`SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND key = ANY($2::text[])`, [ctx.tenantId, keys]);
  }

  /** Leaves under a node: one prefix scan on the materialised path. */
  async leavesUnder(ctx: RequestContext, path: string): Promise<CatalogueNodeRow[]> {
    return ctx.query<CatalogueNodeRow>(
      `SELECT ${COLUMNS} FROM catalogue_node WHERE tenant_id = $1 AND active AND is_leaf AND path LIKE $2 ORDER BY path`,
      [ctx.tenantId, `${path.replace(/[\\%_]/g, '\\$&')}/%`],
    );
  }

  /**
   * Ranked leaf search in PostgreSQL: every word is a prefix (`otp:*`), accent- and
   * case-insensitive through the `guichet_fr`/`guichet_simple` configurations; trigram
   * similarity on the name breaks ties and forgives a typo.
   */
  async search(ctx: RequestContext, words: string[], limit: number, offset: number): Promise<{ rows: (CatalogueNodeRow & { rank: number })[]; total: number }> {
    const prefix = words.map((w) => `${w}:*`).join(' & ');
    const rows = await ctx.query<CatalogueNodeRow & { rank: number; total: string }>(
      `WITH q AS (SELECT to_tsquery('guichet_simple', $2) AS simple, to_tsquery('guichet_fr', $2) AS stemmed)
       SELECT ${COLUMNS}, rank, count(*) OVER () AS total FROM (
         SELECT n.*, ts_rank(n.search, q.simple) + ts_rank(n.search, q.stemmed) + similarity(lower(unaccent(n.name_text)), lower(unaccent($3))) AS rank
         FROM catalogue_node n, q
         WHERE n.tenant_id = $1 AND n.active AND n.is_leaf
           AND (n.search @@ q.simple OR n.search @@ q.stemmed
                -- "a name that contains these characters", as product pickers do
                OR lower(unaccent(n.name_text)) LIKE '%' || lower(unaccent($3)) || '%')
       ) ranked
       ORDER BY rank DESC, path
       LIMIT $4 OFFSET $5`,
      [ctx.tenantId, prefix, words.join(' '), limit, offset],
    );
    return { rows, total: rows.length ? Number(rows[0].total) : 0 };
  }
}
