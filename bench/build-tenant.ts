import type { TestCore as Core } from '../test/setup/test-core.js';
import type { StatusCategory } from '../src/tenancy/pack.schema.js';
import { computePriority } from '../src/tenancy/priority-matrix.js';
import { timed } from './stats.js';

export interface BuildOptions {
  tickets: number;
  people: number;
  establishments: number;
  /** Tickets of the demo people (the rest are spread over generated people). */
  fixed: Record<string, number>;
  /** Generated people with many tickets each (secretariats and the like): how many, and their share of all tickets. */
  heavy: { people: number; share: number };
  /** One ticket in `eventSample` gets ~3 history events (all of alice's do). */
  eventSample: number;
  /** One ticket in `participantSample` gets a participant. */
  participantSample: number;
  years: number;
}

export interface BuildReport {
  tickets: number;
  people: number;
  establishments: number;
  events: number;
  participants: number;
  perRequester: { login: string; tickets: number }[];
  statuses: Record<string, number>;
  phases: { name: string; ms: number }[];
  totalMs: number;
  sizes: { relation: string; totalMB: number }[];
  ticketIndexes: { index: string; MB: number }[];
}

/** Statuses drawn by category: tickets older than 90 days are nearly all closed, recent ones are mixed. */
const WEIGHTS: Record<'old' | 'recent', Record<StatusCategory, number>> = {
  old: { new: 0.002, open: 0.005, waiting: 0.003, resolved: 0.01, closed: 0.98 },
  recent: { new: 0.15, open: 0.25, waiting: 0.1, resolved: 0.2, closed: 0.3 },
};
const RECENT_DAYS = 90;

const LOREM =
  "Bonjour, depuis ce matin l'application ne répond plus lorsque je tente de me connecter depuis le poste du secrétariat. " +
  "J'ai redémarré le poste sans effet. Pouvez-vous regarder ? Merci d'avance, cordialement.";

/** Positional parameters built as the SQL is written: `${p(value)}` adds one and returns `$n`. */
function parameters(): { p: (value: unknown) => string; values: unknown[] } {
  const values: unknown[] = [];
  return { values, p: (value) => `$${values.push(value)}` };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A multiplier that makes `n * m mod total` a permutation of 0..total-1, to scatter requesters over time. */
function scatterMultiplier(total: number): number {
  let m = 7_919_003;
  while (gcd(m, total) !== 1) m += 2;
  return m % Math.max(total, 1) || 1;
}

/**
 * Grows the tenant set-based (INSERT … SELECT generate_series, one statement per table): extra
 * establishments and people, then `tickets` tickets in creation order (the heap is in time
 * order, as in a tenant that accumulated them over `years`), requesters scattered over time.
 */
export async function buildTenant(core: Core, tenantId: string, options: BuildOptions, log: (line: string) => void): Promise<BuildReport> {
  const pack = core.registry.get(tenantId);
  const cfg = pack.config;
  const runner = core.deps.dataSource.createQueryRunner();
  await runner.connect();
  const q = <T = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> => runner.query(sql, values) as Promise<T[]>;
  const phases: { name: string; ms: number }[] = [];
  // Each phase has a budget (statement_timeout): a plan gone wrong fails loudly, naming the phase,
  // instead of running for hours. 5 minutes per million tickets, at least one minute.
  const budgetMs = Math.max(60_000, Math.round((options.tickets / 1_000_000) * 300_000));
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    await runner.query(`SET statement_timeout = ${budgetMs}`);
    const { ms, value } = await timed(fn).catch((error: { code?: string }) => {
      if (error?.code === '57014' || (error as { driverError?: { code?: string } })?.driverError?.code === '57014') {
        throw new Error(`bench phase "${name}" exceeded its budget of ${budgetMs / 1000} s (statement_timeout): look at its plan`);
      }
      throw error;
    });
    await runner.query(`SET statement_timeout = 0`);
    phases.push({ name, ms });
    log(`  ${name}: ${(ms / 1000).toFixed(1)} s`);
    return value;
  };
  try {
    await q(`SET work_mem = '256MB'`);
    await q(`SET maintenance_work_mem = '512MB'`);
    await q(`SELECT setseed(0.42)`);

    const demoLogins = ['alice', 'bruno', 'chloe', 'agent', 'admin'];
    const demo = new Map(
      (
        await q<{ login: string; id: string; establishment_id: string | null }>(
          `SELECT p.login, p.id, (SELECT pe.establishment_id FROM person_establishment pe WHERE pe.tenant_id = p.tenant_id AND pe.person_id = p.id LIMIT 1) AS establishment_id
           FROM person p WHERE p.tenant_id = $1 AND p.login = ANY($2::text[])`,
          [tenantId, demoLogins],
        )
      ).map((r) => [r.login, r]),
    );
    for (const login of demoLogins) if (!demo.has(login)) throw new Error(`The pack's demo has no "${login}": seed the sample tenant first`);
    const agents = [...demo.values()].filter((r) => r.login === 'agent' || r.login === 'admin').map((r) => r.id);

    await phase(`${options.establishments} establishments`, () =>
      q(
        `INSERT INTO establishment (tenant_id, uai, name, kind, city)
         SELECT $1, lpad(i::text, 7, '0') || 'B', 'Établissement ' || i, (ARRAY['Collège', 'Lycée', 'École'])[1 + i % 3], 'Ville ' || (i % 97)
         FROM generate_series(1, $2) AS i`,
        [tenantId, options.establishments],
      ),
    );
    await phase(`${options.people} people`, () =>
      q(
        `INSERT INTO person (tenant_id, login, display_name, email, locale)
         SELECT $1, 'bench' || lpad(i::text, 6, '0'), 'Personne ' || i, 'bench' || i || '@example.org', 'fr'
         FROM generate_series(1, $2) AS i`,
        [tenantId, options.people],
      ),
    );
    // Each generated person belongs to one establishment; one in 50 heads it.
    await phase(`${options.people} memberships`, () =>
      q(
        `INSERT INTO person_establishment (tenant_id, person_id, establishment_id, roles)
         SELECT p.tenant_id, p.id, e.id, CASE WHEN substr(p.login, 6)::int % 50 = 0 THEN '{member,head}'::text[] ELSE '{member}'::text[] END
         FROM person p
         JOIN (SELECT id, row_number() OVER (ORDER BY uai) AS i FROM establishment WHERE tenant_id = $1 AND uai LIKE '%B') AS e
           ON e.i = substr(p.login, 6)::int % $2 + 1
         WHERE p.tenant_id = $1 AND p.login LIKE 'bench%'`,
        [tenantId, options.establishments],
      ),
    );

    // Requesters, 1-based as in SQL arrays: the demo people first, then the generated ones.
    const generated = await q<{ id: string; establishment_id: string }>(
      `SELECT p.id, pe.establishment_id FROM person p JOIN person_establishment pe ON pe.tenant_id = p.tenant_id AND pe.person_id = p.id
       WHERE p.tenant_id = $1 AND p.login LIKE 'bench%' ORDER BY p.login`,
      [tenantId],
    );
    const fixedLogins = Object.keys(options.fixed);
    const people = [...fixedLogins.map((l) => demo.get(l)!.id), ...generated.map((g) => g.id)];
    const establishmentOf = [...fixedLogins.map((l) => demo.get(l)!.establishment_id), ...generated.map((g) => g.establishment_id)];
    // Slots in the scattered order: fixed people, then heavy ones, then everybody else round-robin.
    const heavyEach = Math.floor((options.tickets * options.heavy.share) / options.heavy.people);
    const slotCounts = [...fixedLogins.map((l) => options.fixed[l]), ...Array.from({ length: options.heavy.people }, () => heavyEach)];
    const special = slotCounts.reduce((s, c) => s + c, 0);
    if (special >= options.tickets) throw new Error(`BENCH_TICKETS=${options.tickets} is too small for the ${special} tickets given to named requesters`);
    const bounds = [0];
    for (const c of slotCounts) bounds.push(bounds.at(-1)! + c);
    const restFirst = slotCounts.length + 1;
    const restCount = people.length - slotCounts.length;

    // Catalogue leaves grouped by ticket type, each with its team (the leaf's, or the pack's fallback).
    const leaves = await q<{ id: string; key: string; ticket_type: string; team_id: string | null; team_key: string | null }>(
      `SELECT n.id, n.key, n.ticket_type, coalesce(n.team_key, $2) AS team_key,
              (SELECT t.id FROM team t WHERE t.tenant_id = n.tenant_id AND t.key = coalesce(n.team_key, $2)) AS team_id
       FROM catalogue_node n WHERE n.tenant_id = $1 AND n.active AND n.is_leaf AND n.ticket_type IS NOT NULL ORDER BY n.ticket_type, n.key`,
      [tenantId, cfg.fallbackTeam],
    );
    const types = [...new Set(leaves.map((l) => l.ticket_type))];
    const leafStart = types.map((t) => leaves.findIndex((l) => l.ticket_type === t) + 1);
    const leafCount = types.map((t) => leaves.filter((l) => l.ticket_type === t).length);

    // References "R-000123": the pattern's prefix (its counter scope) and the counter's width, after what the demo used.
    const now = new Date();
    const prefixes: string[] = [];
    const widths: number[] = [];
    const bases: number[] = [];
    for (const type of types) {
      const pattern = pack.references.get(type)!;
      const prefix = pattern.scope(now, cfg.timezone);
      const width = pattern.format(now, cfg.timezone, 0).length - prefix.length;
      if (pattern.format(now, cfg.timezone, 42) !== prefix + '42'.padStart(width, '0')) {
        throw new Error(`The reference pattern "${pattern.source}" of ${type} does not end with its counter: the bench cannot number tickets in SQL`);
      }
      const [counter] = await q<{ value: string }>(`SELECT value FROM counter WHERE tenant_id = $1 AND scope = $2`, [tenantId, `ref:${prefix}`]);
      prefixes.push(prefix);
      widths.push(width);
      bases.push(Number(counter?.value ?? 0));
    }

    const statuses = [...pack.lifecycle.statuses.values()];
    const thresholds = (age: 'old' | 'recent') => {
      const perStatus = statuses.map((s) => WEIGHTS[age][s.category] / statuses.filter((o) => o.category === s.category).length);
      const total = perStatus.reduce((a, b) => a + b, 0);
      let acc = 0;
      return perStatus.map((w) => {
        const lower = acc;
        acc += w / total;
        return lower;
      });
    };
    const urgencies = cfg.priority ? cfg.priority.urgency.map((u) => u.key) : [null];
    const impact = cfg.priority?.default.impact ?? null;
    const priorities = urgencies.map((u) => (cfg.priority && u ? computePriority(cfg.priority, impact!, u) : null));
    const visibilityDefault = cfg.visibility?.default ?? null;
    const visibilityOthers = (cfg.visibility?.options ?? []).map((o) => o.value).filter((v) => v !== visibilityDefault);

    const { p, values } = parameters();
    const N = `${p(options.tickets)}::int`;
    const T = `${p(types.length)}::int`;
    const nowParam = `${p(now)}::timestamptz`;
    const peopleParam = `${p(people)}::uuid[]`;
    const boundsParam = `${p(bounds)}::bigint[]`;
    const categoriesParam = `${p(statuses.map((s) => s.category))}::text[]`;
    const urgencyIndex = `1 + floor(r5 * ${p(urgencies.length)}::int)::int`;
    const spanSeconds = options.years * 365.25 * 86400;
    // No join anywhere: rows come out in generate_series order, so the heap is in creation order.
    const sql = `
      WITH base AS (
        SELECT n, (n::bigint * ${p(scatterMultiplier(options.tickets))}::bigint) % ${N} AS k, n % ${T} + 1 AS ti,
               ${nowParam} - ((${N} - n - r0) / ${N}::float8) * ${p(spanSeconds)}::float8 * interval '1 second' AS created_at,
               (${N} - n - r0) / ${N}::float8 * ${p(spanSeconds / 86400)}::float8 AS age_days,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
        FROM (SELECT n, random() AS r0 FROM generate_series(0, ${N} - 1) AS n) AS g
      ), drawn AS (
        SELECT base.*,
               CASE WHEN age_days > ${p(RECENT_DAYS)}::int THEN width_bucket(r1, ${p(thresholds('old'))}::float8[])
                    ELSE width_bucket(r1, ${p(thresholds('recent'))}::float8[]) END AS si,
               (${p(leafStart)}::int[])[ti] + floor(r2 * (${p(leafCount)}::int[])[ti])::int AS li,
               CASE WHEN width_bucket(k, ${boundsParam}) <= ${p(slotCounts.length)}::int THEN width_bucket(k, ${boundsParam})
                    ELSE ${p(restFirst)}::int + ((k - ${p(special)}::int) % ${p(restCount)}::int)::int END AS pidx
        FROM base
      ), shaped AS (
        SELECT drawn.*, (${categoriesParam})[si] AS category,
               CASE WHEN (${categoriesParam})[si] = 'new' THEN created_at
                    ELSE least(${nowParam}, created_at + r3 * interval '12 days') END AS changed_at
        FROM drawn
      )
      INSERT INTO ticket (tenant_id, reference, type, status, status_category, status_changed_at, catalogue_node_id, establishment_id,
        requester_id, beneficiary_id, team_id, assignee_id, title, description, impact, urgency, priority, visibility, fields, solution,
        created_at, updated_at, resolved_at, closed_at)
      SELECT ${p(tenantId)}::text,
             (${p(prefixes)}::text[])[ti] || lpad((n / ${T} + (${p(bases)}::bigint[])[ti] + 1)::text, (${p(widths)}::int[])[ti], '0'),
             (${p(types)}::text[])[ti],
             (${p(statuses.map((s) => s.key))}::text[])[si], category, changed_at,
             (${p(leaves.map((l) => l.id))}::uuid[])[li],
             (${p(establishmentOf)}::uuid[])[pidx],
             (${peopleParam})[pidx],
             CASE WHEN r4 < 0.05 THEN nullif((${peopleParam})[1 + (n * 31) % ${p(people.length)}::int], (${peopleParam})[pidx]) END,
             (${p(leaves.map((l) => l.team_id))}::uuid[])[li],
             CASE WHEN category <> 'new' THEN (${p(agents)}::uuid[])[1 + n % ${p(agents.length)}::int] END,
             'Ticket généré n° ' || n,
             ${p(LOREM)}::text,
             ${p(impact)}::text,
             (${p(urgencies)}::text[])[${urgencyIndex}],
             (${p(priorities)}::text[])[${urgencyIndex}],
             CASE WHEN r4 > 0.9 AND cardinality(${p(visibilityOthers)}::text[]) > 0
                  THEN (${p(visibilityOthers)}::text[])[1 + n % greatest(${p(visibilityOthers.length)}::int, 1)]
                  ELSE ${p(visibilityDefault)}::text END,
             '{}'::jsonb,
             CASE WHEN category IN ('resolved', 'closed') THEN 'Solution appliquée.' END,
             created_at, changed_at,
             CASE WHEN category IN ('resolved', 'closed') THEN changed_at END,
             CASE WHEN category = 'closed' THEN changed_at END
      FROM shaped`;
    await phase(`${options.tickets} tickets (INSERT … SELECT generate_series)`, () => q(sql, values));
    // Autovacuum may be off (it is on the CI machine): the phases below join the new tickets, and
    // without statistics PostgreSQL plans them for an empty table (the events phase ran > 8 min).
    await phase('ANALYZE after the tickets', () => q(`ANALYZE ticket, person, person_establishment, establishment, catalogue_node`));

    await phase('counters after the generated references', async () => {
      for (const [i, prefix] of prefixes.entries()) {
        const count = Math.floor((options.tickets - (i + 1)) / types.length) + 1;
        await q(
          `INSERT INTO counter (tenant_id, scope, value) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, scope) DO UPDATE SET value = EXCLUDED.value`,
          [tenantId, `ref:${prefix}`, bases[i] + count],
        );
      }
    });

    const alice = demo.get('alice')!.id;
    await phase('history events (~3 per sampled ticket, all of alice’s)', () =>
      q(
        `INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at)
         SELECT t.tenant_id, t.id, e.type,
                CASE e.i WHEN 1 THEN t.requester_id WHEN 3 THEN t.assignee_id END,
                e.i <> 2,
                CASE e.i WHEN 1 THEN jsonb_build_object('status', $3::text, 'leaf', n.key, 'values', jsonb_build_object('title', t.title))
                         WHEN 2 THEN jsonb_build_object('team', coalesce(n.team_key, $4), 'rule', CASE WHEN n.team_key IS NULL THEN 'fallback' ELSE 'leaf' END)
                         ELSE jsonb_build_object('transition', 'bench', 'from', $3::text, 'to', t.status) END,
                CASE e.i WHEN 3 THEN t.status_changed_at ELSE t.created_at END
         FROM ticket t
         JOIN catalogue_node n ON n.tenant_id = t.tenant_id AND n.id = t.catalogue_node_id
         CROSS JOIN (VALUES (1, 'created'), (2, 'routed'), (3, 'transitioned')) AS e(i, type)
         WHERE t.tenant_id = $1 AND t.title LIKE 'Ticket généré%'
           AND (t.requester_id = $2 OR abs(hashtext(t.id::text)) % $5 = 0)
           AND (e.i < 3 OR t.status_category <> 'new')
         ORDER BY t.created_at, e.i`,
        [tenantId, alice, cfg.initialStatus, cfg.fallbackTeam, options.eventSample],
      ),
    );

    await phase('ANALYZE after the events', () => q(`ANALYZE ticket_event`));
    await phase('participants (a sample of tickets, a few for alice)', () =>
      q(
        `INSERT INTO ticket_participant (tenant_id, ticket_id, person_id, added_by, created_at)
         SELECT t.tenant_id, t.id, x.person_id, t.requester_id, t.created_at
         FROM ticket t
         CROSS JOIN LATERAL (SELECT CASE WHEN (abs(hashtext(t.id::text)) / $3) % 300 = 0 THEN $2::uuid
                                         ELSE ($4::uuid[])[1 + (abs(hashtext(t.id::text)) / $3) % $5] END AS person_id) AS x
         WHERE t.tenant_id = $1 AND t.title LIKE 'Ticket généré%' AND abs(hashtext(t.id::text)) % $3 = 1 AND x.person_id <> t.requester_id
         ON CONFLICT DO NOTHING`,
        [tenantId, alice, options.participantSample, people, people.length],
      ),
    );

    // VACUUM as well as ANALYZE: a table that grew over years has been vacuumed by autovacuum many
    // times (visibility map set); without it the first measurements would pay for hint bits instead.
    await phase('VACUUM ANALYZE', () => q(`VACUUM (ANALYZE)`));

    const [counts] = await q<{ tickets: string; people: string; establishments: string; events: string; participants: string }>(
      `SELECT (SELECT count(*) FROM ticket WHERE tenant_id = $1) AS tickets, (SELECT count(*) FROM person WHERE tenant_id = $1) AS people,
              (SELECT count(*) FROM establishment WHERE tenant_id = $1) AS establishments, (SELECT count(*) FROM ticket_event WHERE tenant_id = $1) AS events,
              (SELECT count(*) FROM ticket_participant WHERE tenant_id = $1) AS participants`,
      [tenantId],
    );
    const perRequester = await q<{ login: string; tickets: string }>(
      `SELECT p.login, count(*) AS tickets FROM ticket t JOIN person p ON p.tenant_id = t.tenant_id AND p.id = t.requester_id
       WHERE t.tenant_id = $1 GROUP BY p.login ORDER BY count(*) DESC, p.login LIMIT 15`,
      [tenantId],
    );
    const byStatus = await q<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM ticket WHERE tenant_id = $1 GROUP BY status ORDER BY status`, [tenantId]);
    const sizes = await q<{ relation: string; bytes: string }>(
      `SELECT c.relname AS relation, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
       WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6`,
    );
    const indexes = await q<{ index: string; bytes: string }>(
      `SELECT indexrelname AS index, pg_relation_size(indexrelid) AS bytes FROM pg_stat_user_indexes WHERE relname = 'ticket' ORDER BY indexrelname`,
    );
    const mb = (b: string) => Math.round((Number(b) / 1024 / 1024) * 10) / 10;
    return {
      tickets: Number(counts.tickets),
      people: Number(counts.people),
      establishments: Number(counts.establishments),
      events: Number(counts.events),
      participants: Number(counts.participants),
      perRequester: perRequester.map((r) => ({ login: r.login, tickets: Number(r.tickets) })),
      statuses: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
      phases,
      totalMs: Math.round(phases.reduce((s, x) => s + x.ms, 0)),
      sizes: sizes.map((s) => ({ relation: s.relation, totalMB: mb(s.bytes) })),
      ticketIndexes: indexes.map((i) => ({ index: i.index, MB: mb(i.bytes) })),
    };
  } finally {
    await runner.release();
  }
}
