import type { TestCore as Core } from '../test/setup/test-core.js';
import type { RequestContext } from '../src/tenancy/request-context.js';
import { alternatives, type AlternativeResult } from './alternatives.js';
import { capturing, explain, inlined, type PlanSummary } from './explain.js';
import { measure, summarise, timed, type LatencyResult } from './stats.js';

export interface ScenarioOptions {
  warmup: number;
  iterations: number;
  budgetMs: number;
  sequentialCreates: number;
  concurrentCreates: number;
}

export interface CreationResult {
  sequential: { count: number; wallMs: number; perSecond: number; latency: LatencyResult };
  concurrent: { count: number; wallMs: number; perSecond: number; latency: LatencyResult };
}

export interface ExplainResult {
  /** The requester list ("open" view, alice, first page): the statement the repository sent, and its plan. */
  requesterList: PlanSummary & { sql: string; usesTicketByRequester: boolean };
  requesterListPage2: PlanSummary & { usesTicketByRequester: boolean };
  heavyRequesterList: PlanSummary & { usesTicketByRequester: boolean };
  /** One count per dashboard view, as `views()` sends them. */
  views: (Omit<PlanSummary, 'text'> & { view: string })[];
  /** The slowest view count's full plan. */
  slowestView: PlanSummary & { view: string };
}

export interface ScenarioReport {
  latencies: LatencyResult[];
  creation: CreationResult;
  explain: ExplainResult;
  alternatives: AlternativeResult[];
  facts: Record<string, unknown>;
}

const CREATE_INPUT = (i: number) => ({
  leaf: 'otp-order',
  values: { title: `Commande de clés OTP (bench ${i})`, description: 'Deux clés pour la nouvelle gestionnaire.' },
});

/** The measurements of the brief, on the built tenant; `log` prints progress. */
export async function runScenarios(core: Core, tenantId: string, options: ScenarioOptions, log: (line: string) => void): Promise<ScenarioReport> {
  const alice = await core.as(tenantId, 'alice');
  const latencies: LatencyResult[] = [];
  const run = async (name: string, fn: (i: number) => Promise<unknown>, note?: string) => {
    const result = await measure(name, fn, { warmup: options.warmup, iterations: options.iterations, budgetMs: options.budgetMs, note });
    log(`  ${name}: p50 ${result.p50} ms, p95 ${result.p95} ms, max ${result.max} ms (${result.iterations} runs)`);
    latencies.push(result);
    return result;
  };

  // (a) the "open" tab of alice, first page then the page after its cursor.
  const first = await core.tickets.list(alice, 'open', { limit: 20 });
  if (!first.nextCursor) throw new Error('alice has fewer than 21 open tickets: the second page cannot be measured (raise BENCH_TICKETS)');
  const cursor = first.nextCursor;
  const second = await core.tickets.list(alice, 'open', { limit: 20, cursor });
  await run('list open, alice, page 1 (20)', () => core.tickets.list(alice, 'open', { limit: 20 }));
  await run('list open, alice, page 2 (cursor)', () => core.tickets.list(alice, 'open', { limit: 20, cursor }));
  await run('list closed, alice, page 1 (20)', () => core.tickets.list(alice, 'closed', { limit: 20 }), 'scope requester OR beneficiary');

  // The heaviest generated requester: the same query where the requester has the most tickets.
  const [heavy] = await alice.query<{ login: string; n: string }>(
    `SELECT p.login, count(*) AS n FROM ticket t JOIN person p ON p.tenant_id = t.tenant_id AND p.id = t.requester_id
     WHERE t.tenant_id = $1 AND p.login LIKE 'bench%' GROUP BY p.login ORDER BY count(*) DESC LIMIT 1`,
    [tenantId],
  );
  const heavyCtx = await core.as(tenantId, heavy.login);
  await run(`list open, ${heavy.login} (${heavy.n} tickets), page 1`, () => core.tickets.list(heavyCtx, 'open', { limit: 20 }), 'heaviest requester');

  // (b) the counts of every tab.
  const views = await core.tickets.views(alice);
  await run('views (counts of every tab), alice', () => core.tickets.views(alice), views.map((v) => `${v.key}=${v.count}`).join(' '));

  // (c) one of her tickets, rotating over 50 of them (history, participants, people, catalogue path).
  const refs = (
    await alice.query<{ reference: string }>(
      `SELECT reference FROM ticket WHERE tenant_id = $1 AND requester_id = $2 ORDER BY abs(hashtext(reference)) LIMIT 50`,
      [tenantId, alice.actor.id],
    )
  ).map((r) => r.reference);
  const sample = await core.tickets.read(alice, refs[0]);
  await run('read one of her tickets', (i) => core.tickets.read(alice, refs[i % refs.length]), `${refs.length} refs rotated; e.g. ${sample.history?.length ?? 0} events`);

  // (d) the catalogue search.
  const hits = await core.catalogue.search(alice, 'otp');
  await run("catalogue search 'otp'", () => core.catalogue.search(alice, 'otp'), `${hits.total} hits`);

  // (e) creation, sequential then concurrent.
  log('  creating tickets…');
  const creation = await creations(core, alice, options);
  log(`  ${creation.sequential.count} sequential creations: ${creation.sequential.perSecond} tickets/s; ${creation.concurrent.count} concurrent: ${creation.concurrent.wallMs} ms wall`);

  // (f) EXPLAIN (ANALYZE, BUFFERS) of what the repository sent, run through alice's context: the
  // same path as the repository's statements (pool, tenant and role settings if any).
  const db = alice;
  const listCapture = capturing(alice);
  await core.tickets.list(listCapture.ctx, 'open', { limit: 20 });
  await core.tickets.list(listCapture.ctx, 'open', { limit: 20, cursor });
  // The service sends other statements too (e.g. the leaves of the page): keep the ticket list's.
  const [listQuery, page2Query] = listCapture.queries.filter((q) => /FROM ticket t\b/.test(q.sql) && /ORDER BY t\.created_at DESC/.test(q.sql));
  if (!listQuery || !page2Query) throw new Error('Could not capture the ticket list statement of TicketService.list');
  const uses = (p: PlanSummary) => p.indexes.includes('ticket_by_requester');
  const listPlan = await explain(db, 'list open, alice, page 1', listQuery);
  const page2Plan = await explain(db, 'list open, alice, page 2', page2Query);
  const heavyCapture = capturing(heavyCtx);
  await core.tickets.list(heavyCapture.ctx, 'open', { limit: 20 });
  const heavyPlan = await explain(db, `list open, ${heavy.login}`, heavyCapture.queries.find((q) => /ORDER BY t\.created_at DESC/.test(q.sql))!);

  const viewsCapture = capturing(alice);
  await core.tickets.views(viewsCapture.ctx);
  const viewKeys = core.registry.get(tenantId).config.views.map((v) => v.key);
  const viewPlans: (PlanSummary & { view: string })[] = [];
  // views() starts its counts together, in the pack's order of views (each sends its query before its first await).
  const counts = viewsCapture.queries.filter((q) => /count\(\*\)/i.test(q.sql) && /FROM ticket t\b/.test(q.sql));
  for (const [i, query] of counts.entries()) {
    const key = viewKeys[i] ?? `#${i}`;
    viewPlans.push({ ...(await explain(db, `count of view ${key}`, query)), view: key });
  }
  const slowest = [...viewPlans].sort((a, b) => b.executionMs - a.executionMs)[0];

  log('  explaining hand-written alternatives');
  const [cursorAt, cursorId] = Buffer.from(cursor, 'base64url').toString().split('|');
  const sharedIndex = viewPlans.findIndex((v) => v.view === 'shared');
  const alternativeResults = await alternatives(
    [
      { ctx: alice, label: 'alice', currentListMs: listPlan.executionMs },
      { ctx: heavyCtx, label: heavy.login, currentListMs: heavyPlan.executionMs },
    ],
    { ctx: alice, query: counts[sharedIndex], currentMs: viewPlans[sharedIndex].executionMs },
    { createdAt: new Date(cursorAt), id: cursorId, currentMs: page2Plan.executionMs },
  );

  return {
    latencies,
    creation,
    alternatives: alternativeResults,
    explain: {
      requesterList: { ...listPlan, sql: inlined(listQuery), usesTicketByRequester: uses(listPlan) },
      requesterListPage2: { ...page2Plan, usesTicketByRequester: uses(page2Plan) },
      heavyRequesterList: { ...heavyPlan, usesTicketByRequester: uses(heavyPlan) },
      views: viewPlans.map(({ text: _text, ...rest }) => rest),
      slowestView: slowest,
    },
    facts: {
      aliceOpenFirstPage: first.items.length,
      aliceOpenSecondPage: second.items.length,
      aliceViews: Object.fromEntries(views.map((v) => [v.key, v.count])),
      heavyRequester: { login: heavy.login, tickets: Number(heavy.n) },
      readSample: refs[0],
      searchHits: hits.items.map((h) => h.key),
    },
  };
}

async function creations(core: Core, ctx: RequestContext, options: ScenarioOptions): Promise<CreationResult> {
  for (let i = 0; i < 10; i++) await core.tickets.create(ctx, CREATE_INPUT(-i));
  const sequentialSamples: number[] = [];
  const sequential = await timed(async () => {
    for (let i = 0; i < options.sequentialCreates; i++) {
      const { ms } = await timed(() => core.tickets.create(ctx, CREATE_INPUT(i)));
      sequentialSamples.push(ms);
    }
  });
  const concurrentSamples: number[] = [];
  const concurrent = await timed(() =>
    Promise.all(
      Array.from({ length: options.concurrentCreates }, async (_, i) => {
        const { ms } = await timed(() => core.tickets.create(ctx, CREATE_INPUT(10_000 + i)));
        concurrentSamples.push(ms);
      }),
    ),
  );
  const rate = (count: number, ms: number) => Math.round((count / (ms / 1000)) * 10) / 10;
  return {
    sequential: {
      count: options.sequentialCreates,
      wallMs: sequential.ms,
      perSecond: rate(options.sequentialCreates, sequential.ms),
      latency: summarise('create, sequential', sequentialSamples),
    },
    concurrent: {
      count: options.concurrentCreates,
      wallMs: concurrent.ms,
      perSecond: rate(options.concurrentCreates, concurrent.ms),
      latency: summarise(`create, ${options.concurrentCreates} concurrent`, concurrentSamples),
    },
  };
}
