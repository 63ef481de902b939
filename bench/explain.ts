import type { RequestContext } from '../src/tenancy/request-context.js';

export interface CapturedQuery {
  sql: string;
  params: unknown[];
}

/**
 * A context that records every statement the services send through it (and still runs them),
 * so the benchmark explains exactly the SQL the repository builds rather than a copy of it.
 */
export function capturing(ctx: RequestContext): { ctx: RequestContext; queries: CapturedQuery[] } {
  const queries: CapturedQuery[] = [];
  const spy = Object.create(ctx) as RequestContext;
  spy.query = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => {
    queries.push({ sql, params });
    return ctx.query<T>(sql, params);
  };
  return { ctx: spy, queries };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Heap Fetches'?: number;
  'Sort Method'?: string;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  label: string;
  executionMs: number;
  planningMs: number;
  /** Index names the plan reads, in plan order. */
  indexes: string[];
  seqScanOnTicket: boolean;
  sort: boolean;
  /** Ticket rows read then discarded by a filter (not by the index). */
  rowsRemovedByFilter: number;
  sharedHit: number;
  sharedRead: number;
  text: string;
}

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** Something that runs SQL and returns rows: a RequestContext (or a DataSource). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a captured statement, as text (to print) and summarised (to assert on). */
export async function explain(db: Queryable, label: string, query: CapturedQuery): Promise<PlanSummary> {
  const textRows = (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params)) as { 'QUERY PLAN': string }[];
  const [jsonRow] = (await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.sql}`, query.params)) as {
    'QUERY PLAN': [{ Plan: PlanNode & { 'Shared Hit Blocks': number; 'Shared Read Blocks': number }; 'Execution Time': number; 'Planning Time': number }];
  }[];
  const [root] = jsonRow['QUERY PLAN'];
  const indexes: string[] = [];
  let seqScanOnTicket = false;
  let sort = false;
  let rowsRemovedByFilter = 0;
  walk(root.Plan, (n) => {
    if (n['Index Name'] && !indexes.includes(n['Index Name'])) indexes.push(n['Index Name']);
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'ticket') seqScanOnTicket = true;
    if (n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort') sort = true;
    if (n['Relation Name'] === 'ticket') rowsRemovedByFilter += (n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1);
  });
  return {
    label,
    executionMs: Math.round(root['Execution Time'] * 100) / 100,
    planningMs: Math.round(root['Planning Time'] * 100) / 100,
    indexes,
    seqScanOnTicket,
    sort,
    rowsRemovedByFilter,
    sharedHit: root.Plan['Shared Hit Blocks'],
    sharedRead: root.Plan['Shared Read Blocks'],
    text: textRows.map((r) => r['QUERY PLAN']).join('\n'),
  };
}

/** The statement with its parameters written in, for a reader to paste into psql. */
export function inlined(query: CapturedQuery): string {
  const literal = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return `'{${v.map((x) => String(x).replace(/[\\"]/g, '\\$&')).join(',')}}'`;
    if (v instanceof Date) return `'${v.toISOString()}'`;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return `'${String(v).replace(/'/g, "''")}'`;
  };
  return query.sql.replace(/\$(\d+)/g, (_, i: string) => literal(query.params[Number(i) - 1])).replace(/\s+/g, ' ').trim();
}
