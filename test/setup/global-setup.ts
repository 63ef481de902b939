import pg from 'pg';

/**
 * Drops what earlier runs left behind. Jest loads this file outside the ESM graph, so it uses `pg`
 * only; the first test file then builds the migrated template (see database.ts).
 */
export default async function globalSetup(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const rows = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'guichet_test_%' OR datname = $1 OR datname = $2`, [process.env.TEST_TEMPLATE_DB ?? 'guichet_template', `${process.env.TEST_TEMPLATE_DB ?? 'guichet_template'}_building`]);
    for (const row of rows.rows) await client.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
