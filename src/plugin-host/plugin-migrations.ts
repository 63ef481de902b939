import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, isolateTenantTable } from '../database/tenant-isolation.js';
import type { GuichetPlugin } from './plugin.js';

/** The prefix of every table (and index, sequence, function, type) a plugin creates: `plugin_<name>_`. */
export function pluginTablePrefix(pluginName: string): string {
  return `plugin_${pluginName.toLowerCase().replace(/[^a-z0-9]+/g, '_')}_`;
}

/**
 * Puts one of the plugin's tables under the same row-level security as the core's: rows are seen
 * and written only inside the transaction's tenant, and the application role may use the table.
 * Call it in the migration that creates the table, after `CREATE TABLE`.
 */
export async function tenantTable(q: QueryRunner, table: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`tenantTable: "${table}" is not a plain lower-case table name`);
  await isolateTenantTable(q, table);
  await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${APP_ROLE}`);
}

type MigrationClass = new () => MigrationInterface;

/**
 * The plugins' migrations, each wrapped to check what it did, in its own transaction: objects it
 * created or changed are the plugin's (`plugin_<name>_…`), it left every other table as it was, and
 * each of its tables has `tenant_id` leading its primary key and every index and is under row-level
 * security. A failed check throws naming the plugin, which rolls the migration back.
 */
export function pluginMigrations(plugins: readonly GuichetPlugin[]): MigrationClass[] {
  return plugins.flatMap((plugin) => (plugin.migrations ?? []).map((migration) => checked(plugin.name, migration)));
}

function checked(plugin: string, Migration: MigrationClass): MigrationClass {
  const prefix = pluginTablePrefix(plugin);
  return class PluginMigration implements MigrationInterface {
    private readonly inner = new Migration();
    readonly name = this.inner.name ?? Migration.name;
    readonly transaction = this.inner.transaction;

    async up(q: QueryRunner): Promise<void> {
      const before = await schemaObjects(q);
      await this.inner.up(q);
      const after = await schemaObjects(q);
      const problems = [...foreignChanges(prefix, before, after), ...(await tableProblems(q, prefix))];
      if (problems.length) throw new Error(`Plugin "${plugin}": migration ${this.name} ${problems.join('; ')}`);
    }

    async down(q: QueryRunner): Promise<void> {
      await this.inner.down(q);
    }
  };
}

interface SchemaObject {
  object: string;
  owner: string;
}

/** Everything of the public schema a migration can change, each with the name that says whose it is. */
async function schemaObjects(q: QueryRunner): Promise<SchemaObject[]> {
  return q.query(`
    WITH rel AS (SELECT c.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')
    SELECT 'relation ' || relname || ' (' || relkind::text || ')' AS object, relname AS owner FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL SELECT 'row-level security on ' || relname, relname FROM rel WHERE relrowsecurity
    UNION ALL SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, c.relname
      FROM pg_attribute a JOIN rel c ON c.oid = a.attrelid WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    UNION ALL SELECT 'index ' || i.relname || ' on ' || c.relname, c.relname FROM pg_index x JOIN rel c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
    UNION ALL SELECT 'constraint ' || k.conname || ' on ' || c.relname, c.relname FROM pg_constraint k JOIN rel c ON c.oid = k.conrelid
    UNION ALL SELECT 'policy ' || p.policyname || ' on ' || p.tablename, p.tablename FROM pg_policies p WHERE p.schemaname = 'public'
    UNION ALL SELECT 'trigger ' || t.tgname || ' on ' || c.relname, c.relname FROM pg_trigger t JOIN rel c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL SELECT 'function ' || p.proname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
    UNION ALL SELECT 'type ' || t.typname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r')`);
}

/** What changed outside the plugin's prefix: created, dropped or altered. */
function foreignChanges(prefix: string, before: SchemaObject[], after: SchemaObject[]): string[] {
  const outside = (objects: SchemaObject[]) => new Set(objects.filter((o) => !o.owner.startsWith(prefix)).map((o) => o.object));
  const was = outside(before);
  const is = outside(after);
  const problems: string[] = [];
  for (const object of is) if (!was.has(object)) problems.push(`created ${object} outside its prefix "${prefix}"`);
  for (const object of was) if (!is.has(object)) problems.push(`dropped or changed ${object}, which is not the plugin's`);
  return problems;
}

/** Each of the plugin's tables: a tenant_id, leading the primary key and every index, under row-level security. */
async function tableProblems(q: QueryRunner, prefix: string): Promise<string[]> {
  const like = `${prefix.replace(/_/g, '\\_')}%`;
  const tables: { table: string; tenant: boolean; rls: boolean; policy: boolean; primary: boolean }[] = await q.query(
    `SELECT c.relname AS table,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant,
       c.relrowsecurity AS rls,
       EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname AND p.policyname = 'tenant_isolation') AS policy,
       EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary) AS primary
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname LIKE $1 ORDER BY 1`,
    [like],
  );
  const badIndexes: { table: string; index: string }[] = await q.query(
    `SELECT c.relname AS table, i.relname AS index
     FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
     WHERE n.nspname = 'public' AND c.relname LIKE $1 AND a.attname IS DISTINCT FROM 'tenant_id' ORDER BY 1, 2`,
    [like],
  );
  const problems: string[] = [];
  for (const t of tables) {
    if (!t.tenant) problems.push(`table ${t.table} has no tenant_id column`);
    if (!t.primary) problems.push(`table ${t.table} has no primary key`);
    if (!t.rls || !t.policy) problems.push(`table ${t.table} is not under row-level security (call tenantTable(q, '${t.table}'))`);
  }
  for (const i of badIndexes) problems.push(`index ${i.index} on ${i.table} does not start with tenant_id`);
  return problems;
}
