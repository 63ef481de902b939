import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { FIRST_PARTY_PLUGINS } from '../../plugins/index.js';
import { createDataSource, migrate } from '../../src/database/data-source.js';
import { pluginMigrations } from '../../src/plugin-host/plugin-migrations.js';

/** Server the tests use: the machine's PostgreSQL unless TEST_DATABASE_URL says otherwise. */
export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PLUGINS_DIR = join(ROOT, 'plugins');
/** The core's migrations, then each first-party plugin's (`plugins/<name>/migrations/`). */
const MIGRATION_DIRS = [
  join(ROOT, 'src', 'database', 'migrations'),
  ...readdirSync(PLUGINS_DIR).sort().map((p) => join(PLUGINS_DIR, p, 'migrations')).filter((dir) => existsSync(dir)),
];

/** Helpers the migrations call (row-level security of core and plugin tables). */
const MIGRATION_HELPERS = [join(ROOT, 'src', 'database', 'tenant-isolation.ts'), join(ROOT, 'src', 'plugin-host', 'plugin-migrations.ts')];

/** The template is named after the migrations' content: unchanged migrations reuse it across runs. */
export const TEMPLATE_DB = `guichet_template_${createHash('sha256')
  .update([...MIGRATION_DIRS.flatMap((dir) => readdirSync(dir).sort().map((f) => join(dir, f))), ...MIGRATION_HELPERS].map((f) => readFileSync(f, 'utf8')).join('\n'))
  .digest('hex')
  .slice(0, 12)}`;

/** Databases of this run share a prefix, so a teardown never drops another run's. */
const RUN = process.env.GUICHET_TEST_RUN ?? 'adhoc';

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

/** Creates and migrates the template once; an advisory lock keeps concurrent runs from racing. */
async function ensureTemplate(): Promise<void> {
  await admin(async (c) => {
    await c.query(`SELECT pg_advisory_lock(hashtext('guichet.test-template'))`);
    try {
      const exists = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [TEMPLATE_DB]);
      if (exists.rowCount) return;
      const building = `${TEMPLATE_DB}_building`;
      await c.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${building}`);
      const ds = await createDataSource({ url: urlFor(building), migrations: pluginMigrations(FIRST_PARTY_PLUGINS) });
      await migrate(ds);
      await ds.destroy();
      await c.query(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE_DB}`);
    } finally {
      await c.query(`SELECT pg_advisory_unlock(hashtext('guichet.test-template'))`);
    }
  });
}

/** A fresh database cloned from the migrated template (Immich's way: migrate once, clone per file). */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  await ensureTemplate();
  const name = `guichet_test_${RUN}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`));
  return {
    url: urlFor(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
