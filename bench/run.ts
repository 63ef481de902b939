/**
 * Guichet benchmark: a tenant of a million tickets on the machine's PostgreSQL, then the latency
 * of the requester's dashboard (lists, tab counts, a ticket, the catalogue search), the creation
 * throughput, and the plan of the requester list query.
 *
 *   npm run bench                       # 1,000,000 tickets
 *   BENCH_TICKETS=100000 npm run bench  # quick run
 *
 * Env: BENCH_DATABASE_URL (a database of the server to connect to; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_TICKETS, BENCH_KEEP=1 (keep the
 * `guichet_bench` database afterwards), BENCH_ITERATIONS (timed runs per operation, default 200),
 * BENCH_OUT (JSON file, default bench/results/latest.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createContext } from '../src/bootstrap.js';
import { projectRoot } from '../src/config/app-config.js';
import { TestCore as Core } from '../test/setup/test-core.js';
import { closeDataSource, createDataSource, migrate } from '../src/database/data-source.js';
import { buildTenant } from './build-tenant.js';
import { benchDatabase, dropDatabase, recreateDatabase, serverFacts } from './database.js';
import { render, writeJson, type BenchResult } from './report.js';
import { runScenarios } from './scenarios.js';
import { timed } from './stats.js';

const TENANT = 'sample';

function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const tickets = intEnv('BENCH_TICKETS', 1_000_000, 50_000);
  const iterations = intEnv('BENCH_ITERATIONS', 200, 10);
  const keep = process.env.BENCH_KEEP === '1';
  const out = resolve(process.env.BENCH_OUT ?? join(projectRoot, 'bench', 'results', 'latest.json'));
  const log = (line: string) => console.error(line);
  const db = benchDatabase();
  const startedAt = new Date().toISOString();

  log(`Database ${db.name} on ${new URL(db.adminUrl).host}: recreating and migrating`);
  await recreateDatabase(db);
  const tmp = mkdtempSync(join(tmpdir(), 'guichet-bench-'));
  let core: Core | undefined;
  try {
    const migrated = await timed(async () => {
      const dataSource = await createDataSource({ url: db.url });
      try {
        return await migrate(dataSource);
      } finally {
        await closeDataSource(dataSource);
      }
    });
    log(`Booting the core (packs from test/fixtures/packs, demo seed)`);
    const booted = await timed(() =>
      createContext(
        { port: 0, databaseUrl: db.url, dataDir: tmp, tenantsDir: join(projectRoot, 'test', 'fixtures', 'packs'), storageDir: tmp, demo: true, publicUrl: 'http://localhost' },
        { seed: true },
      ).then((app) => new Core(app)),
    );
    core = booted.value;

    log(`Building ${tickets.toLocaleString('en-US')} tickets`);
    const build = await buildTenant(
      core,
      TENANT,
      {
        tickets,
        people: 20_000,
        establishments: 400,
        fixed: { alice: 2_000, bruno: 500, chloe: 50 },
        heavy: { people: 10, share: 0.05 },
        eventSample: 10,
        participantSample: 100,
        years: 3,
      },
      log,
    );

    log('Measuring');
    const scenarios = await runScenarios(
      core,
      TENANT,
      { warmup: 20, iterations, budgetMs: 60_000, sequentialCreates: 200, concurrentCreates: 50 },
      log,
    );

    const cpu = cpus();
    const result: BenchResult = {
      startedAt,
      machine: {
        cpus: cpu.length,
        cpuModel: cpu[0]?.model ?? 'unknown',
        memoryGB: Math.round(totalmem() / 1024 ** 3),
        node: process.versions.node,
        platform: `${process.platform} ${process.arch}`,
      },
      server: await serverFacts(db),
      config: { tenant: TENANT, tickets, iterations, warmup: 20, poolSize: 10 },
      boot: { migrations: migrated.value, migrateMs: migrated.ms, bootMs: booted.ms },
      build,
      scenarios,
    };
    console.log(render(result));
    writeJson(out, result);
    log(`\nWrote ${out}`);
  } finally {
    await core?.close();
    rmSync(tmp, { recursive: true, force: true });
    if (keep) log(`Kept database ${db.name} (BENCH_KEEP=1): ${db.url}`);
    else await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
