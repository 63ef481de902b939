/**
 * Guichet over HTTP against PostgreSQL alone, in one run on one server (issue 12):
 *
 *   npm run bench:http                         # 10,000 tickets
 *   BENCH_TICKETS=1000000 npm run bench:http
 *
 * Builds a `sample` tenant of BENCH_TICKETS tickets (bench/build-tenant.ts), starts Guichet
 * (`node dist/src/main.js`) on it, loads it with autocannon, and times a raw `pg` client doing the
 * minimal equivalent work on the same database, interleaved (Guichet, pg, Guichet, pg) so that
 * other load on the machine hits both. Prints ratios (Guichet ÷ PostgreSQL), statements and round
 * trips per request (counted by the server process, see src/database/query-stats.ts) and the
 * server's RSS; writes bench/results/http-<tickets>.json.
 *
 * Env: BENCH_DATABASE_URL, BENCH_TICKETS (default 10000), BENCH_SECONDS per measure (default 8),
 * BENCH_ROUNDS (default 2), BENCH_PORT (default 3917), BENCH_KEEP=1.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createContext } from '../src/bootstrap.js';
import { projectRoot } from '../src/config/app-config.js';
import { closeDataSource, createDataSource, migrate } from '../src/database/data-source.js';
import { TenantContexts } from '../src/tenancy/tenant-contexts.js';
import { TestCore as Core } from '../test/setup/test-core.js';
import { buildTenant } from './build-tenant.js';
import { benchDatabase, dropDatabase, recreateDatabase, serverFacts } from './database.js';
import { writeJson } from './report.js';
import { percentile } from './stats.js';

const TENANT = 'sample';
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]!.replace(/[_,]/g, '')) : fallback);
const log = (line: string) => console.error(line);

interface Side {
  rate: number;
  p50: number;
  /** autocannon reports p90/p97.5/p99, not p95: p97.5 is given for Guichet, p95 and p97.5 for pg. */
  p97_5: number;
  p95?: number;
  requests: number;
  errors: number;
}

interface Measure {
  name: string;
  connections: number;
  guichet: Side[];
  postgres: Side[];
  perRequest?: { roundTrips: number; statements: number };
}

async function main(): Promise<void> {
  const tickets = env('BENCH_TICKETS', 10_000);
  const seconds = env('BENCH_SECONDS', 8);
  const rounds = env('BENCH_ROUNDS', 2);
  const port = env('BENCH_PORT', 3917);
  const db = benchDatabase(process.env, 'guichet_bench_http');
  const out = resolve(join(projectRoot, 'bench', 'results', `http-${tickets}.json`));
  const tmp = mkdtempSync(join(tmpdir(), 'guichet-bench-http-'));
  const config = { port, databaseUrl: db.url, dataDir: tmp, tenantsDir: join(projectRoot, 'test', 'fixtures', 'packs'), storageDir: tmp, demo: true, publicUrl: 'http://localhost' };
  let server: ChildProcess | undefined;
  const raw: pg.Client[] = [];
  try {
    log(`Database ${db.name}: recreating, migrating, building ${tickets.toLocaleString('en-US')} tickets`);
    await recreateDatabase(db);
    const ds = await createDataSource({ url: db.url });
    await migrate(ds);
    await closeDataSource(ds);
    const core = new Core(await createContext(config, { seed: true }));
    let token: string;
    let build;
    try {
      const share = Math.min(2_000, Math.floor(tickets / 5));
      build = await buildTenant(core, TENANT, { tickets, people: Math.min(20_000, Math.max(200, tickets / 50)), establishments: 400, fixed: { alice: share, bruno: Math.floor(share / 4), chloe: 50 }, heavy: { people: 10, share: 0.05 }, eventSample: 10, participantSample: 100, years: 3 }, log);
      const ctx = core.app.get(TenantContexts).for(TENANT);
      ({ token } = await core.tokens.mint(ctx, 'alice', { name: 'bench', scopes: ['read', 'write'] }));
    } finally {
      await core.close();
    }

    log('Starting Guichet');
    server = fork(join(projectRoot, 'dist', 'src', 'main.js'), [], {
      env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), GUICHET_TENANTS_DIR: config.tenantsDir, GUICHET_DATA_DIR: tmp, GUICHET_STORAGE_DIR: tmp, GUICHET_DEMO: 'true', GUICHET_TIMER_INTERVAL_MS: '0', GUICHET_OUTBOX_INTERVAL_MS: '0' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((ok, fail) => {
      server!.on('message', (m: { listening?: number }) => m.listening && ok());
      server!.once('exit', (code) => fail(new Error(`Guichet exited (${code}) before listening`)));
    });
    const stats = () => new Promise<{ stats: { roundTrips: number; statements: number }; rss: number }>((ok) => {
      const on = (m: { stats?: { roundTrips: number; statements: number }; rss: number }) => {
        if (!m.stats) return;
        server!.off('message', on);
        ok(m as { stats: { roundTrips: number; statements: number }; rss: number });
      };
      server!.on('message', on);
      server!.send('stats');
    });

    for (let i = 0; i < 8; i++) {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`SET jit = off`);
      raw.push(c);
    }
    const [{ id: aliceId }] = (await raw[0].query(`SELECT id FROM person WHERE tenant_id = $1 AND login = 'alice'`, [TENANT])).rows;
    const [{ id: leafId }] = (await raw[0].query(`SELECT id FROM catalogue_node WHERE tenant_id = $1 AND key = 'otp-order'`, [TENANT])).rows;

    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const createBody = JSON.stringify({ leaf: 'otp-order', values: { title: 'Deux clés OTP', description: 'Banc HTTP' } });
    const guichet = {
      create: (connections: number) => autocannon({ url: `${base}/api/${TENANT}/tickets`, method: 'POST', headers, body: createBody, connections, duration: seconds }),
      list: (connections: number) => autocannon({ url: `${base}/api/${TENANT}/tickets?view=open&limit=20`, headers, connections, duration: seconds }),
      views: (connections: number) => autocannon({ url: `${base}/api/${TENANT}/views`, headers, connections, duration: seconds }),
    };
    // The minimal honest work of each request, one round trip per statement, as pgbench would send it.
    let seq = 10_000_000;
    const postgres: Record<keyof typeof guichet, (c: pg.Client) => Promise<unknown>> = {
      create: async (c) => {
        await c.query('BEGIN');
        try {
          const { rows: [n] } = await c.query(`INSERT INTO counter (tenant_id, scope, value) VALUES ($1, 'ref:bench-', 1) ON CONFLICT (tenant_id, scope) DO UPDATE SET value = counter.value + 1 RETURNING value`, [TENANT]);
          const { rows: [t] } = await c.query(
            `INSERT INTO ticket (tenant_id, reference, type, status, status_category, status_changed_at, catalogue_node_id, requester_id, title, description, fields, created_at, updated_at)
             VALUES ($1, $2, 'request', 'new', 'new', now(), $3, $4, 'Deux clés OTP', 'Banc HTTP', '{}', now(), now()) RETURNING id`,
            [TENANT, `B-${n.value}-${seq++}`, leafId, aliceId],
          );
          await c.query(`INSERT INTO ticket_event (tenant_id, ticket_id, type, actor_id, public, data, created_at) VALUES ($1, $2, 'created', $3, true, '{}', now())`, [TENANT, t.id, aliceId]);
          await c.query(`INSERT INTO outbox (tenant_id, topic, ticket_id, recipient_id, payload, created_at, next_attempt_at) VALUES ($1, 'ticket.created', $2, $3, '{}', now(), now())`, [TENANT, t.id, aliceId]);
          await c.query('COMMIT');
        } catch (error) {
          await c.query('ROLLBACK');
          throw error;
        }
      },
      list: (c) => c.query(
        `SELECT * FROM ticket WHERE tenant_id = $1 AND requester_id = $2 AND status_category = 'open' ORDER BY created_at DESC, id DESC LIMIT 20`,
        [TENANT, aliceId],
      ),
      views: (c) => c.query(
        `SELECT count(*) FILTER (WHERE status_category IN ('new', 'open')), count(*) FILTER (WHERE status_category = 'waiting'),
                count(*) FILTER (WHERE status_category = 'resolved'), count(*) FILTER (WHERE status_category = 'closed')
         FROM ticket WHERE tenant_id = $1 AND requester_id = $2`,
        [TENANT, aliceId],
      ),
    };
    const runPg = async (work: (c: pg.Client) => Promise<unknown>, connections: number): Promise<Side> => {
      const samples: number[] = [];
      let errors = 0;
      const until = performance.now() + seconds * 1000;
      await Promise.all(raw.slice(0, connections).map(async (c) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          try {
            await work(c);
          } catch {
            errors++;
          }
          samples.push(performance.now() - t0);
        }
      }));
      samples.sort((a, b) => a - b);
      return { rate: samples.length / seconds, p50: percentile(samples, 50), p95: percentile(samples, 95), p97_5: percentile(samples, 97.5), requests: samples.length, errors };
    };

    log('Warming up');
    for (const name of ['create', 'list', 'views'] as const) {
      await autocannon({ url: `${base}/api/${TENANT}/${name === 'views' ? 'views' : name === 'list' ? 'tickets?view=open&limit=20' : 'tickets'}`, method: name === 'create' ? 'POST' : 'GET', headers, body: name === 'create' ? createBody : undefined, connections: 2, amount: 200 });
      await runPg(postgres[name], 2);
    }
    await raw[0].query('VACUUM (ANALYZE)');

    const plan: { name: keyof typeof guichet; connections: number }[] = [
      { name: 'create', connections: 1 },
      { name: 'create', connections: 8 },
      { name: 'list', connections: 8 },
      { name: 'views', connections: 8 },
    ];
    const measures: Measure[] = plan.map((p) => ({ name: p.name, connections: p.connections, guichet: [], postgres: [] }));
    for (let round = 1; round <= rounds; round++) {
      for (const [i, p] of plan.entries()) {
        const before = await stats();
        const r = await guichet[p.name](p.connections);
        const after = await stats();
        const n = r.requests.total;
        measures[i].perRequest = { roundTrips: round2((after.stats.roundTrips - before.stats.roundTrips) / n), statements: round2((after.stats.statements - before.stats.statements) / n) };
        measures[i].guichet.push({ rate: r.requests.total / r.duration, p50: r.latency.p50, p97_5: r.latency.p97_5, requests: n, errors: r.errors + r.non2xx });
        measures[i].postgres.push(await runPg(postgres[p.name], p.connections));
        const g = measures[i].guichet.at(-1)!;
        const q = measures[i].postgres.at(-1)!;
        log(`  round ${round} ${p.name} ×${p.connections}: Guichet ${g.rate.toFixed(0)}/s (errors ${g.errors}), pg ${q.rate.toFixed(0)}/s, ratio ${(g.rate / q.rate).toFixed(3)}`);
      }
    }
    const { rss } = await stats();
    const result = {
      startedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.versions.node },
      server: await serverFacts(db),
      config: { tickets, seconds, rounds, poolSize: 10, pgClients: 'as many as the connections' },
      build: { tickets: build.tickets, perRequester: build.perRequester.slice(0, 3), phases: build.phases },
      measures: measures.map((m) => ({
        ...m,
        ratio: round2(median(m.guichet.map((g, i) => g.rate / m.postgres[i].rate))),
        ratios: m.guichet.map((g, i) => round2(g.rate / m.postgres[i].rate)),
      })),
      serverRssMB: Math.round(rss / 1024 / 1024),
    };
    console.log(`\n| measure | Guichet /s (p50, p97.5 ms) | pg /s (p50, p97.5 ms) | ratio (median of rounds) | round trips / statements per request |`);
    console.log(`|---|---|---|---|---|`);
    for (const m of result.measures) {
      const g = m.guichet.at(-1)!;
      const q = m.postgres.at(-1)!;
      console.log(`| ${m.name} ×${m.connections} | ${g.rate.toFixed(0)} (${g.p50}, ${g.p97_5}) | ${q.rate.toFixed(0)} (${q.p50.toFixed(1)}, ${q.p97_5.toFixed(1)}) | ${m.ratio} (${m.ratios.join(', ')}) | ${m.perRequest?.roundTrips} / ${m.perRequest?.statements} |`);
    }
    console.log(`\nServer RSS after load: ${result.serverRssMB} MB`);
    writeJson(out, result as never);
    log(`Wrote ${out}`);
  } finally {
    for (const c of raw) await c.end().catch(() => undefined);
    server?.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
    if (process.env.BENCH_KEEP !== '1') await dropDatabase(db).catch(() => undefined);
  }
}

function round2(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
