import pg from 'pg';

/** Drops what this run left behind (a test file that crashed before its own cleanup). */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.GUICHET_TEST_RUN;
  if (!run) return;
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const rows = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`guichet_test_${run}_%`]);
    for (const row of rows.rows) await client.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
