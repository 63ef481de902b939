import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDataSource, migrate } from '../../src/database/data-source.js';

/** Server the tests use: the machine's PostgreSQL unless TEST_DATABASE_URL says otherwise. */
export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEMPLATE_DB = process.env.TEST_TEMPLATE_DB ?? 'guichet_template';

export function urlFor(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates and migrates the template once per run; an advisory lock keeps parallel workers from racing. */
async function ensureTemplate(): Promise<void> {
  await admin(async (c) => {
    await c.query(`SELECT pg_advisory_lock(hashtext('guichet.test-template'))`);
    try {
      const exists = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [TEMPLATE_DB]);
      if (exists.rowCount) return;
      await c.query(`CREATE DATABASE ${TEMPLATE_DB}_building`);
      const ds = await createDataSource({ url: urlFor(`${TEMPLATE_DB}_building`) });
      await migrate(ds);
      await ds.destroy();
      await c.query(`ALTER DATABASE ${TEMPLATE_DB}_building RENAME TO ${TEMPLATE_DB}`);
    } finally {
      await c.query(`SELECT pg_advisory_unlock(hashtext('guichet.test-template'))`);
    }
  });
}

/** A fresh database cloned from the migrated template (Immich's way: migrate once, clone per file). */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  await ensureTemplate();
  const name = `guichet_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  return {
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
