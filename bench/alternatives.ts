import type { RequestContext } from '../src/tenancy/request-context.js';
import { explain, type CapturedQuery, type PlanSummary, type Queryable } from './explain.js';

/**
 * Hand-written variants of the slow or index-unfriendly statements, explained on the same data,
 * to size what a change in src/ would buy. Nothing here is what Guichet sends today.
 */
export interface AlternativeResult {
  label: string;
  /** Execution time of the statement Guichet sends today (EXPLAIN ANALYZE). */
  currentMs: number;
  alternative: Omit<PlanSummary, 'text'>;
  sql: string;
  text: string;
}

const MERGED_LIST = (categories: string[], keyset: boolean) => `
  SELECT * FROM (
    ${categories
      .map(
        (_, i) => `(SELECT t.* FROM ticket t
       WHERE t.tenant_id = $1 AND t.requester_id = $2 AND t.status_category = $${4 + i}${keyset ? ` AND (t.created_at, t.id) < ($${4 + categories.length}::timestamptz, $${5 + categories.length}::uuid)` : ''}
       ORDER BY t.created_at DESC, t.id DESC LIMIT $3)`,
      )
      .join('\n    UNION ALL\n    ')}
  ) AS x ORDER BY created_at DESC, id DESC LIMIT $3`;

const SHARED_COUNT = `
  SELECT count(*) AS n FROM ticket t
  WHERE t.tenant_id = $1 AND t.status = ANY($3::text[]) AND (
    t.id = ANY(ARRAY(SELECT p.ticket_id FROM ticket_participant p WHERE p.tenant_id = $1 AND p.person_id = $2))
    OR (t.visibility = ANY($4::text[]) AND t.establishment_id = ANY(ARRAY(
      SELECT pe.establishment_id FROM person_establishment pe WHERE pe.tenant_id = $1 AND pe.person_id = $2 AND 'head' = ANY(pe.roles)))))`;

export async function alternatives(
  who: { ctx: RequestContext; label: string; currentListMs: number }[],
  shared: { ctx: RequestContext; query: CapturedQuery; currentMs: number },
  cursor: { createdAt: Date; id: string; currentMs: number },
): Promise<AlternativeResult[]> {
  const ctx = who[0].ctx;
  const pack = ctx.tenant;
  const openView = pack.config.views.find((v) => v.key === 'open');
  const categories = openView?.categories ?? ['new', 'open'];
  const results: AlternativeResult[] = [];
  // Through a RequestContext, as the repository's own statements go (tenant and role settings included).
  const add = async (label: string, currentMs: number, query: CapturedQuery, db: Queryable = ctx) => {
    const { text, ...summary } = await explain(db, label, query);
    results.push({ label, currentMs, alternative: summary, sql: query.sql.replace(/\s+/g, ' ').trim(), text });
  };

  for (const w of who) {
    await add(`open list, ${w.label}: one ordered index range per status category, merged`, w.currentListMs, {
      sql: MERGED_LIST(categories, false),
      params: [pack.id, w.ctx.actor.id, 21, ...categories],
    });
  }
  await add('open list, alice, page 2: same, with the keyset cursor in each range', cursor.currentMs, {
    sql: MERGED_LIST(categories, true),
    params: [pack.id, who[0].ctx.actor.id, 21, ...categories, cursor.createdAt, cursor.id],
  });

  const sharedView = pack.config.views.find((v) => v.key === 'shared');
  const statuses = sharedView?.categories ? pack.lifecycle.statusesIn(sharedView.categories) : [...pack.lifecycle.statuses.keys()];
  const headOptions = (pack.config.visibility?.options ?? []).filter((o) => o.grants.includes('head')).map((o) => o.value);
  await add('shared count: participant and head arms as "= ANY(ARRAY(subquery))" (BitmapOr)', shared.currentMs, {
    sql: SHARED_COUNT,
    params: [pack.id, shared.ctx.actor.id, statuses, headOptions],
  });

  // The same statement as today, without JIT compilation (SET LOCAL: this transaction only).
  await shared.ctx.transaction(async (tx) => {
    await tx.query('SET LOCAL jit = off');
    await add('shared count as sent today, with jit = off', shared.currentMs, shared.query, tx);
  });
  return results;
}
