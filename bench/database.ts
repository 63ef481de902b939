import pg from 'pg';

/** The server the benchmark runs on, and the throw-away database it creates there. */
export interface BenchDatabase {
  /** A database of the server to connect to for CREATE / DROP DATABASE. */
  adminUrl: string;
  /** The benchmark's own database. */
  url: string;
  name: string;
}

export function benchDatabase(env: NodeJS.ProcessEnv = process.env, name = 'guichet_bench'): BenchDatabase {
  const adminUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { adminUrl, url: url.toString(), name };
}

async function onAdmin<T>(db: BenchDatabase, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the benchmark database if a previous run left it, then creates it empty. */
export async function recreateDatabase(db: BenchDatabase): Promise<void> {
  await onAdmin(db, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(db.name)}`);
  });
}

export async function dropDatabase(db: BenchDatabase): Promise<void> {
  await onAdmin(db, (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db.name)} WITH (FORCE)`));
}

/** Facts about the server that explain the numbers: version and memory settings. */
export async function serverFacts(db: BenchDatabase): Promise<Record<string, string>> {
  return onAdmin(db, async (client) => {
    const facts: Record<string, string> = {};
    const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    facts.server_version = rows[0].v;
    for (const name of ['shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'max_parallel_workers_per_gather', 'jit']) {
      const { rows: r } = await client.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name]);
      facts[name] = r[0].v;
    }
    return facts;
  });
}
