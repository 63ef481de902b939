import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import { closeDataSource, createDataSource, migrate } from '../../src/database/data-source.js';
import { APP_ROLE } from '../../src/database/tenant-isolation.js';
import type { GuichetPlugin } from '../../src/plugin-host/plugin.js';
import { pluginMigrations, tenantTable } from '../../src/plugin-host/plugin-migrations.js';
import { createTestDatabase } from '../setup/database.js';

/**
 * The migrations capability on a real database: a plugin's migration that keeps the rules runs,
 * and its table is under the same row-level security as the core's; one that names a table
 * outside its prefix, forgets row-level security, keys an index without tenant_id or touches a
 * core table fails naming the plugin, and is rolled back.
 */
function pluginWith(name: string, up: (q: QueryRunner) => Promise<void>): GuichetPlugin {
  const Migration = class implements MigrationInterface {
    name = name;
    up = up;
    down = () => Promise.resolve();
  };
  return { name: 'audit', core: '^0.1', description: 'test', options: z.object({}), provides: {}, migrations: [Migration] };
}

describe('plugin migrations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const ds of sources) await closeDataSource(ds);
    await db?.drop();
  });

  async function run(plugin: GuichetPlugin): Promise<string[]> {
    const ds = await createDataSource({ url: db.url, migrations: pluginMigrations([plugin]) });
    sources.push(ds);
    return migrate(ds);
  }

  async function tableExists(name: string): Promise<boolean> {
    const ds = sources[0] ?? (await createDataSource({ url: db.url }));
    if (!sources.length) sources.push(ds);
    return (await ds.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [name]))[0].found;
  }

  it("runs a plugin's migration that keeps the rules, and isolates its table by tenant", async () => {
    const ran = await run(
      pluginWith('AuditEntries1796000000001', async (q) => {
        await q.query(`CREATE TABLE plugin_audit_entry (tenant_id text NOT NULL, id int NOT NULL, note text, PRIMARY KEY (tenant_id, id))`);
        await q.query(`CREATE INDEX plugin_audit_entry_by_note ON plugin_audit_entry (tenant_id, note)`);
        await tenantTable(q, 'plugin_audit_entry');
      }),
    );
    expect(ran).toEqual(['AuditEntries1796000000001']);
    const ds = sources.at(-1)!;
    await ds.query(`INSERT INTO plugin_audit_entry VALUES ('a', 1, 'mine'), ('b', 2, 'theirs')`);
    const seen = await ds.transaction(async (em) => {
      await em.query(`SELECT set_config('guichet.tenant', 'a', true), set_config('role', '${APP_ROLE}', true)`);
      const rows = await em.query(`SELECT tenant_id, id FROM plugin_audit_entry ORDER BY id`);
      await em.query(`SAVEPOINT before_foreign`);
      const refused = await em.query(`INSERT INTO plugin_audit_entry VALUES ('b', 3, 'pirate')`).then(() => 'accepted', (e: Error) => e.message);
      await em.query(`ROLLBACK TO SAVEPOINT before_foreign`);
      return { rows, refused };
    });
    expect(seen).toEqual({ rows: [{ tenant_id: 'a', id: 1 }], refused: expect.stringContaining('row-level security') });
  });

  it.each([
    ['a table outside its prefix', 'AuditBare1796000000002', `CREATE TABLE audit_entry (tenant_id text NOT NULL, id int, PRIMARY KEY (tenant_id, id))`, 'created relation audit_entry (r) outside its prefix "plugin_audit_"', 'audit_entry', false],
    ['a table without row-level security', 'AuditOpen1796000000003', `CREATE TABLE plugin_audit_open (tenant_id text NOT NULL, id int, PRIMARY KEY (tenant_id, id))`, "table plugin_audit_open is not under row-level security (call tenantTable(q, 'plugin_audit_open'))", 'plugin_audit_open', false],
    ['a key that does not start with tenant_id', 'AuditKey1796000000004', `CREATE TABLE plugin_audit_key (tenant_id text NOT NULL, id int, PRIMARY KEY (id, tenant_id))`, 'index plugin_audit_key_pkey on plugin_audit_key does not start with tenant_id', 'plugin_audit_key', true],
    ['a table without tenant_id', 'AuditGlobal1796000000005', `CREATE TABLE plugin_audit_global (id int PRIMARY KEY)`, 'table plugin_audit_global has no tenant_id column', 'plugin_audit_global', false],
    ['a change to a core table', 'AuditTicket1796000000006', `ALTER TABLE ticket ADD COLUMN audit_note text`, 'created column ticket.audit_note text outside its prefix "plugin_audit_"', null, false],
  ])('refuses %s, naming the plugin, and rolls the migration back', async (_, name, sql, problem, table, isolate) => {
    await expect(
      run(
        pluginWith(name, async (q) => {
          await q.query(sql);
          if (isolate) await tenantTable(q, table!);
        }),
      ),
    ).rejects.toThrow(`Plugin "audit": migration ${name} ${problem}`);
    if (table) expect(await tableExists(table)).toBe(false);
    else expect((await sources[0].query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'ticket' AND column_name = 'audit_note'`))[0].n).toBe(0);
    expect((await sources[0].query(`SELECT count(*)::int AS n FROM migrations WHERE name = $1`, [name]))[0].n).toBe(0);
  });
});
