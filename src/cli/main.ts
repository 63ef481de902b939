import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { INestApplicationContext } from '@nestjs/common';
import { createContext, loadPlugins, packLoader } from '../bootstrap.js';
import { resolveSdkForPlugins } from '../bootstrap-sdk.js';
import { ApiTokenService } from '../auth/api-token.service.js';
import { DemoSeeder } from '../deployment/demo-seeder.js';
import { formatPlan } from '../deployment/pack-plan.js';
import { PackSync } from '../deployment/pack-sync.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { BackgroundJobs } from '../jobs/background-jobs.js';
import { pluginMigrations } from '../plugin-host/plugin-migrations.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { TenantRegistry } from '../tenancy/tenant-registry.js';
import { loadConfig } from '../config/app-config.js';
import { createDataSource, migrate } from '../database/data-source.js';
import { validateUai } from '../common/uai.js';
import { TOKEN_SCOPES, type TokenScope } from '../auth/api-token.service.js';
import { formatProblem, PackValidationError } from '../tenancy/pack-errors.js';
import { DomainError, ValidationFailed } from '../common/errors.js';
import { translate, translateProblem } from '../common/i18n.js';
import type { CommandIO } from '../plugin-host/commands.js';
import { addPluginCommands } from './plugin-commands.js';
import { registerAdminCommands, registerDirectoryCommands } from './admin-commands.js';

const program = new Command('guichet').description('Guichet helpdesk engine: administration commands').showHelpAfterError();

/** The engine's services without HTTP: migrated, packs synced (no demo seeding). */
function services(): Promise<INestApplicationContext> {
  return createContext(loadConfig(), { seed: false, logger: ['error'] });
}

program
  .command('plugins')
  .argument('[action]', 'list', 'list')
  .description('list the plugins this deployment loads (first-party and GUICHET_PLUGINS), their versions, capabilities and the tenants that use them')
  .action(async () => {
    const config = loadConfig();
    const plugins = await loadPlugins(config.plugins);
    const packs = packLoader(config.tenantsDir, plugins, { env: process.env, demo: config.demo }).loadAll(config.tenants);
    for (const plugin of plugins.all()) {
      const capabilities = Object.entries(plugin.provides).filter(([, v]) => v).map(([k]) => k);
      if (plugin.controllers?.length) capabilities.push('routes');
      if (plugin.migrations?.length) capabilities.push('migrations');
      if (plugin.tasks?.length) capabilities.push('tasks');
      const tenants = packs.filter((p) => p.config.auth.some((a) => a.plugin === plugin.name) || p.config.plugins.some((u) => u.plugin === plugin.name)).map((p) => p.id);
      console.log(`${plugin.name}\t${plugin.version ?? '-'}\tcore ${plugin.core}\t${capabilities.join(',') || '-'}\t${tenants.join(',') || '-'}\t${plugin.description}`);
    }
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const config = loadConfig();
    const plugins = await loadPlugins(config.plugins);
    const ds = await createDataSource({ url: config.databaseUrl, dataDir: config.dataDir, migrations: pluginMigrations(plugins.all()) });
    const ran = await migrate(ds);
    console.log(ran.length ? `Applied: ${ran.join(', ')}` : 'Database is up to date.');
    await ds.destroy();
  });

const tenants = program.command('tenants').description('tenant packs');
tenants
  .command('validate')
  .description('load and check every pack (the same loader as at boot, with this environment: outside demo mode a sign-in variable not set is an error)')
  .option('-d, --dir <folder>', 'folder of packs (default: tenants/ or GUICHET_TENANTS_DIR)')
  .action(async (options: { dir?: string }) => {
    const config = loadConfig();
    const loader = packLoader(options.dir ?? config.tenantsDir, await loadPlugins(config.plugins), { env: process.env, demo: config.demo });
    let failed = false;
    for (const id of loader.listIds()) {
      const result = loader.tryLoad(id);
      if ('pack' in result) {
        const leaves = result.pack.catalogue.filter((c) => c.leaf).length;
        console.log(`ok   ${id} (${result.pack.lifecycle.statuses.size} statuses, ${result.pack.lifecycle.transitions.length} transitions, ${leaves} catalogue leaves)`);
        for (const m of result.pack.unconfigured) console.log(`     sign-in "${m.plugin}" not offered in demo mode: set ${m.variables.join(', ')}`);
      } else {
        failed = true;
        console.log(`FAIL ${id}`);
        for (const p of result.problems) console.log(`  ${formatProblem(p)}`);
      }
    }
    if (failed) process.exitCode = 1;
  });
tenants
  .command('plan [tenant]')
  .description('compare the packs on disk with what the database holds and print what a deploy would change (statuses, transitions, teams, leaves, tickets moved); exits 1 if a change would strand tickets. Writes nothing: run `guichet migrate` first')
  .action(async (tenantId: string | undefined) => {
    const app = await createContext(loadConfig(), { seed: false, prepare: false, logger: ['error'] });
    let refused = false;
    for (const pack of app.get(TenantRegistry).all().filter((p) => !tenantId || p.id === tenantId)) {
      const plan = await app.get(PackSync).plan(app.get(TenantContexts).for(pack.id));
      for (const line of formatPlan(plan)) console.log(line);
      refused ||= plan.stranded.length > 0;
    }
    await app.close();
    if (refused) process.exitCode = 1;
  });
tenants
  .command('list')
  .description('list the packs')
  .action(() => console.log(packLoader(loadConfig().tenantsDir).listIds().join('\n')));

program
  .command('seed')
  .description('load demo data of every pack (or one) into tenants that have no people yet')
  .option('-t, --tenant <id>')
  .option('--force', 'seed even if the tenant already has people')
  .action(async (options: { tenant?: string; force?: boolean }) => {
    const app = await services();
    for (const pack of app.get(TenantRegistry).all().filter((p) => !options.tenant || p.id === options.tenant)) {
      const result = await app.get(DemoSeeder).seed(app.get(TenantContexts).for(pack.id), { force: options.force });
      console.log(result ? `${pack.id}: ${result.people} people, ${result.tickets} tickets` : `${pack.id}: nothing to seed`);
    }
    await app.close();
  });

program
  .command('import-establishments <tenant> <csv>')
  .description('import establishments from a CSV file with columns uai;name;kind;city (header line required)')
  .action(async (tenantId: string, file: string) => {
    const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim());
    const separator = lines[0].includes(';') ? ';' : ',';
    const header = lines[0].split(separator).map((h) => h.trim().toLowerCase());
    const rows: { uai: string; name: string; kind?: string; city?: string }[] = [];
    const errors: string[] = [];
    lines.slice(1).forEach((line, i) => {
      const cells = Object.fromEntries(line.split(separator).map((c, j) => [header[j], c.trim()]));
      const check = validateUai(cells.uai ?? '');
      if (!check.valid) errors.push(`${file}:${i + 2}: uai: ${check.expected ? `expected check letter ${check.expected}` : 'expected 7 digits and a check letter'}, got "${cells.uai}"`);
      else if (!cells.name) errors.push(`${file}:${i + 2}: name: expected a name`);
      else rows.push({ uai: check.uai, name: cells.name, kind: cells.kind || undefined, city: cells.city || undefined });
    });
    if (errors.length) {
      console.error(errors.join('\n'));
      process.exitCode = 1;
      return;
    }
    const app = await services();
    const count = await app.get(DirectoryRepository).upsertEstablishments(app.get(TenantContexts).for(tenantId), rows);
    console.log(`${tenantId}: ${count} establishments imported`);
    await app.close();
  });

program
  .command('token <tenant> <login>')
  .description('mint an API token for a person (shown once, stored hashed)')
  .option('-n, --name <name>', 'what the token is for', 'cli')
  .option('-s, --scopes <list>', `comma-separated: ${TOKEN_SCOPES.join(', ')}`, parseScopes, ['read', 'write'] as TokenScope[])
  .option('-e, --expires <days>', 'days until it expires', parseDays)
  .action(async (tenantId: string, login: string, options: { name: string; scopes: TokenScope[]; expires?: number }) => {
    const app = await services();
    const expiresAt = options.expires ? new Date(Date.now() + options.expires * 86_400_000) : undefined;
    const { token } = await app.get(ApiTokenService).mint(app.get(TenantContexts).for(tenantId), login, { name: options.name, scopes: options.scopes, expiresAt });
    console.log(token);
    await app.close();
  });

program
  .command('timers')
  .description('run every due timer once (auto-close, reminders, retention)')
  .action(async () => {
    const app = await services();
    for (const r of await app.get(BackgroundJobs).runTimers()) console.log(`${r.tenant} ${r.timer}: ${r.affected}`);
    await app.close();
  });

program
  .command('outbox')
  .description('deliver every due notification once (needs GUICHET_SMTP_URL)')
  .action(async () => {
    const app = await services();
    for (const r of await app.get(BackgroundJobs).runOutbox()) console.log(`${r.tenant}: ${r.sent} sent, ${r.retried} to retry, ${r.dead} dead${r.unreachable ? ' (SMTP server unreachable)' : ''}`);
    await app.close();
  });

program
  .command('plugin-tasks')
  .description("run every plugin's background task once for every tenant (e.g. webhook deliveries)")
  .action(async () => {
    const app = await services();
    const reports = await app.get(BackgroundJobs).runPluginTasks();
    for (const r of reports) console.log(`${r.tenant} ${r.job}: ${r.error ? `failed: ${r.error}` : JSON.stringify(r.result ?? null)}`);
    await app.close();
    if (reports.some((r) => r.error)) process.exitCode = 1;
  });

registerAdminCommands(program, services);
registerDirectoryCommands(program, services);

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1) throw new InvalidArgumentError('expected a whole number of days, at least 1');
  return days;
}

function parseScopes(value: string): TokenScope[] {
  const scopes = value.split(',').map((s) => s.trim());
  for (const s of scopes) if (!(TOKEN_SCOPES as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown scope "${s}"`);
  return scopes as TokenScope[];
}

const TERMINAL: CommandIO = { print: (line) => console.log(line), read: async () => readFileSync(0, 'utf8') };

/** The core's commands above, then those of the deployment's plugins (first-party and GUICHET_PLUGINS). */
async function main(): Promise<void> {
  resolveSdkForPlugins();
  addPluginCommands(program, await loadPlugins(loadConfig().plugins), services, TERMINAL);
  await program.parseAsync();
}

main().catch((error) => {
  if (error instanceof PackValidationError) console.error(error.problems.map(formatProblem).join('\n'));
  else if (error instanceof ValidationFailed) console.error([translate('en', error.code, error.params), ...error.problems.map((p) => `  ${p.field}: ${translateProblem('en', p)}`)].join('\n'));
  else if (error instanceof DomainError) console.error(translate('en', error.code, error.params));
  else console.error((error as Error).message);
  process.exit(1);
});
