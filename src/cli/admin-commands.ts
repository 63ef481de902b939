import { userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';
import type { Command } from 'commander';
import { AdminAudit } from '../admin/admin-audit.js';
import { AdminOrganisation } from '../admin/admin-org.service.js';
import { AdminPeople } from '../admin/admin-people.service.js';
import { DirectorySync, type DirectorySyncReport } from '../admin/directory-sync.service.js';
import { DomainError } from '../common/errors.js';
import type { ActorRef, RequestContext } from '../tenancy/request-context.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';

type Output = (line: string) => void;

/** Who the audit log names for a change made from the command line: `cli:<the system user>`. */
function cliActor(): ActorRef {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the log still says it came from the CLI.
  }
  return { kind: 'system', id: null, login: `cli:${user}`, displayName: 'CLI', roles: ['admin'] };
}

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

/**
 * `guichet admin …`: the administration API's operations for the deployment's operators (the
 * first administrator, scripts), through the same services, audited as `cli:<user>`.
 * `services` opens the engine; `close` is called after each command.
 */
export function registerAdminCommands(program: Command, services: () => Promise<INestApplicationContext>, out: Output = (l) => console.log(l)): void {
  const admin = program.command('admin').description("people, roles, teams and establishments of a tenant (the administration API's operations, audited)");
  const run = (work: (app: INestApplicationContext, ctx: RequestContext) => Promise<unknown>) => async (tenant: string, ...rest: unknown[]) => {
    void rest;
    const app = await services();
    try {
      await work(app, app.get(TenantContexts).for(tenant, cliActor()));
    } finally {
      await app.close();
    }
  };
  const json = (value: unknown) => out(JSON.stringify(value, null, 2));
  const people = (app: INestApplicationContext) => app.get(AdminPeople);
  const org = (app: INestApplicationContext) => app.get(AdminOrganisation);

  admin
    .command('create <tenant> <login>')
    .description('create the first administrator (roles admin and agent), or make an existing person one')
    .requiredOption('--name <name>', 'display name (used when the person is new)')
    .option('--email <email>')
    .action((tenant: string, login: string, o: { name: string; email?: string }) =>
      run(async (app, ctx) => {
        const existing = await people(app).get(ctx, login).catch((e: unknown) => (e instanceof DomainError && e.code === 'PERSON_NOT_FOUND' ? null : Promise.reject(e)));
        const person = existing
          ? await people(app).setRoles(ctx, login, [...new Set([...existing.roles.filter((r) => r === 'agent' || r === 'admin'), 'admin', 'agent'])])
          : await people(app).create(ctx, { login, name: o.name, email: o.email, roles: ['admin', 'agent'] });
        if (!person.active) await people(app).reactivate(ctx, login);
        out(`${tenant}: ${login} is an administrator. Mint a token: guichet token ${tenant} ${login} --scopes read,write,admin`);
      })(tenant),
    );
  admin
    .command('people <tenant> [query]')
    .description('search people (name, login, e-mail), 20 a page')
    .option('--role <role>', 'agent, admin or integration')
    .option('--inactive', 'deactivated people only')
    .option('--page <n>', 'page', '1')
    .action((tenant: string, q: string | undefined, o: { role?: string; inactive?: boolean; page: string }) =>
      run(async (app, ctx) => {
        const page = await people(app).search(ctx, { q, role: o.role, active: o.inactive ? false : undefined, page: Math.max(1, Number(o.page) || 1) });
        for (const p of page.items) out(`${p.login}\t${p.name}\t${p.email ?? '-'}\t${p.roles.join(',') || '-'}\t${p.active ? 'active' : 'deactivated'}`);
        out(`${page.total} person(s), page ${page.page}`);
      })(tenant),
    );
  admin.command('show <tenant> <login>').description('a person with establishments, teams and tickets (JSON)').action((tenant: string, login: string) => run(async (app, ctx) => json(await people(app).get(ctx, login)))(tenant));
  admin
    .command('add-person <tenant> <login>')
    .description('create a person')
    .requiredOption('--name <name>')
    .option('--email <email>')
    .option('--roles <list>', 'agent,admin', list)
    .action((tenant: string, login: string, o: { name: string; email?: string; roles?: string[] }) => run(async (app, ctx) => json(await people(app).create(ctx, { login, ...o })))(tenant));
  admin
    .command('edit <tenant> <login>')
    .description("change a person's name, e-mail, phone, title or locale")
    .option('--name <name>')
    .option('--email <email>', 'empty to remove')
    .option('--phone <phone>')
    .option('--title <title>')
    .option('--locale <locale>', 'fr or en')
    .action((tenant: string, login: string, o: { name?: string; email?: string; phone?: string; title?: string; locale?: string }) => run(async (app, ctx) => json(await people(app).update(ctx, login, o)))(tenant));
  admin.command('roles <tenant> <login> <roles>').description('set the tenant roles (comma-separated: agent,admin; "" for none)').action((tenant: string, login: string, roles: string) => run(async (app, ctx) => json(await people(app).setRoles(ctx, login, list(roles))))(tenant));
  admin.command('deactivate <tenant> <login>').description('deactivate a person (no sign-in, sessions or tokens; tickets stay)').action((tenant: string, login: string) => run(async (app, ctx) => { await people(app).deactivate(ctx, login); out(`${login} deactivated`); })(tenant));
  admin.command('reactivate <tenant> <login>').description('reactivate a person').action((tenant: string, login: string) => run(async (app, ctx) => { await people(app).reactivate(ctx, login); out(`${login} reactivated`); })(tenant));
  admin
    .command('membership <tenant> <login> <uai>')
    .description('make a person a member (or head) of an establishment, or remove them')
    .option('--head', 'heads the establishment')
    .option('--remove', 'remove the membership')
    .action((tenant: string, login: string, uai: string, o: { head?: boolean; remove?: boolean }) =>
      run(async (app, ctx) => json((await (o.remove ? people(app).removeMembership(ctx, login, uai) : people(app).setMembership(ctx, login, uai, Boolean(o.head)))).establishments))(tenant),
    );
  admin.command('teams <tenant>').description('teams with their member and lead counts').action((tenant: string) => run(async (app, ctx) => { for (const t of await org(app).teams(ctx)) out(`${t.key}\t${t.name}\t${t.members} member(s), ${t.leads} lead(s)${t.active ? '' : '\t(retired)'}`); })(tenant));
  admin
    .command('team <tenant> <team> [login]')
    .description("list a team's members, or add (--lead: as its lead) or remove (--remove) an agent")
    .option('--lead', 'team lead')
    .option('--remove', 'remove from the team')
    .action((tenant: string, team: string, login: string | undefined, o: { lead?: boolean; remove?: boolean }) =>
      run(async (app, ctx) => {
        const members = !login ? await org(app).members(ctx, team) : o.remove ? await org(app).removeMember(ctx, team, login) : await org(app).setMember(ctx, team, login, Boolean(o.lead));
        for (const m of members) out(`${m.login}\t${m.name}${m.lead ? '\tlead' : ''}${m.active ? '' : '\t(deactivated)'}`);
      })(tenant),
    );
  admin
    .command('establishments <tenant> [query]')
    .description('search establishments (UAI, name, city)')
    .option('--page <n>', 'page', '1')
    .action((tenant: string, q: string | undefined, o: { page: string }) =>
      run(async (app, ctx) => {
        const page = await org(app).establishments(ctx, { q, page: Math.max(1, Number(o.page) || 1) });
        for (const e of page.items) out(`${e.uai}\t${e.name}\t${e.kind ?? '-'}\t${e.city ?? '-'}\t${e.people} person(s)`);
        out(`${page.total} establishment(s), page ${page.page}`);
      })(tenant),
    );
  admin
    .command('establishment <tenant> <uai>')
    .description('create an establishment (UAI checked), or change it when it exists')
    .option('--name <name>')
    .option('--kind <kind>')
    .option('--city <city>')
    .action((tenant: string, uai: string, o: { name?: string; kind?: string; city?: string }) =>
      run(async (app, ctx) => {
        const exists = (await org(app).establishments(ctx, { q: uai.trim().toUpperCase(), pageSize: 200 })).items.some((e) => e.uai === uai.trim().toUpperCase());
        json(exists ? await org(app).updateEstablishment(ctx, uai, o) : await org(app).createEstablishment(ctx, { uai, ...o }));
      })(tenant),
    );
  admin
    .command('audit <tenant>')
    .description('the admin audit log, newest first (--csv: all of it, oldest first, as CSV)')
    .option('--csv', 'CSV export on standard output')
    .option('--target <key>', 'a login, team key or UAI')
    .option('--action <action>', 'e.g. person.deactivated')
    .option('--limit <n>', 'entries', '50')
    .action((tenant: string, o: { csv?: boolean; target?: string; action?: string; limit: string }) =>
      run(async (app, ctx) => {
        const filter = { target: o.target, action: o.action };
        if (o.csv) {
          for await (const chunk of app.get(AdminAudit).csv(ctx, filter)) process.stdout.write(chunk);
          return;
        }
        const { items } = await app.get(AdminAudit).list(ctx, filter, Math.min(500, Math.max(1, Number(o.limit) || 50)));
        for (const e of items) out(`${new Date(e.at).toISOString()}\t${e.actor}\t${e.action}\t${e.target.type}:${e.target.key}\t${JSON.stringify(e.before)} -> ${JSON.stringify(e.after)}`);
      })(tenant),
    );
}

/** The report of a directory sync in lines for a terminal. */
export function formatSyncReport(r: DirectorySyncReport): string[] {
  const lines = [
    `${r.tenant}: directory sync from ${r.source}${r.dryRun ? ' (dry run: nothing written)' : ''} in ${r.ms} ms`,
    `  read ${r.read}, refused ${r.refused.length}`,
    `  people: ${r.people.created} created, ${r.people.updated} updated, ${r.people.unchanged} unchanged, ${r.people.deactivated} deactivated (${r.people.deactivatedWithTickets} with tickets, kept), ${r.people.inactiveInDirectory} deactivated in Guichet but in the directory`,
    `  memberships: ${r.memberships.added} added, ${r.memberships.changed} changed, ${r.memberships.removed} removed`,
    `  teams: ${r.teams.added} added, ${r.teams.changed} changed, ${r.teams.removed} removed`,
    `  establishments: ${r.establishments.created} created${r.establishments.unknown.length ? `, ${r.establishments.unknown.length} unknown and ignored (${r.establishments.unknown.slice(0, 10).join(', ')}${r.establishments.unknown.length > 10 ? ', …' : ''})` : ''}`,
  ];
  for (const x of r.refused) lines.push(`  refused ${x.where}: ${x.reason}`);
  return lines;
}

/** `guichet directory sync`: the tenant's people from its directory source (LDAP, CSV). */
export function registerDirectoryCommands(program: Command, services: () => Promise<INestApplicationContext>, out: Output = (l) => console.log(l)): void {
  program
    .command('directory')
    .description("people from the tenant's directory (a directory plugin in its pack's `plugins`)")
    .command('sync <tenant>')
    .description('create, update and deactivate people, their establishments, heads, roles and teams from the directory; idempotent')
    .option('--dry-run', 'do everything in a transaction rolled back, and print what it would change')
    .option('--file <path>', 'the file to read (CSV source)')
    .option('--source <plugin>', 'the directory plugin, when the pack turns on several')
    .option('--force', 'deactivate even when more than 20% of the directory people would go')
    .option('--json', 'the report as JSON')
    .action(async (tenant: string, o: { dryRun?: boolean; file?: string; source?: string; force?: boolean; json?: boolean }) => {
      const app = await services();
      try {
        const report = await app.get(DirectorySync).sync(app.get(TenantContexts).for(tenant, cliActor()), o);
        if (o.json) out(JSON.stringify(report, null, 2));
        else for (const line of formatSyncReport(report)) out(line);
      } finally {
        await app.close();
      }
    });
}
