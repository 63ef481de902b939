/**
 * Directory sync against a real OpenLDAP server (Debian's slapd, started here on a loopback port
 * with the fictitious "académie d'Exemple" of test/fixtures/ldap), and from a CSV export through
 * the CLI: created, updated, deactivated (never deleted, tickets kept), establishments and heads,
 * roles and teams from attributes, refused entries with their reason, dry run, idempotence, and
 * the guard against a directory that suddenly looks empty.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { Command } from 'commander';
import { registerDirectoryCommands } from '../../src/cli/admin-commands.js';
import { apiClient } from '../setup/api-client.js';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { LDAP_ADMIN, LDAP_SUFFIX, startSlapd, type Slapd } from '../setup/slapd.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const directoryPlugins = (url: string) => `
plugins:
  - { plugin: webhooks }
  - plugin: ldap-directory
    options:
      url: ${url}
      bindDn: "${LDAP_ADMIN.dn}"
      bindPasswordEnv: GUICHET_TEST_LDAP_PASSWORD
      baseDn: "ou=personnes,${LDAP_SUFFIX}"
      pageSize: 2
      attributes:
        title: title
        establishments: { claim: FrEduRne, pattern: "^([0-9]{7}[A-Z])" }
        headOf: { claim: FrEduRneResp, pattern: "^([0-9]{7}[A-Z])" }
        heads: [{ claim: FrEduFonctAdm, equals: DIR }]
        roles: [{ claim: departmentNumber, matches: "^DSI-", role: agent }]
        teams:
          - { claim: departmentNumber, equals: DSI-ASSISTANCE, team: desk }
          - { claim: departmentNumber, equals: DSI-RESEAU, team: network, lead: true }
  - plugin: csv-directory
    options:
      columns: { login: identifiant, name: nom, email: courriel, establishments: { claim: uai }, teams: [{ claim: groupes, equals: n2, team: network }] }
`;

describe('directory sync', () => {
  let slapd: Slapd;
  let t: TestApp;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.core.deps.dataSource.query(text, params) as Promise<T[]>;
  const person = async (login: string) => (await sql<{ display_name: string; email: string; title: string; roles: string[]; active: boolean; directory_source: string }>(
    `SELECT display_name, email, title, roles, active, directory_source FROM person WHERE tenant_id = 'sample' AND login = $1`, [login]))[0];
  const memberships = async (login: string) => (await sql<{ uai: string; roles: string[] }>(
    `SELECT e.uai, pe.roles FROM person_establishment pe JOIN person p ON p.tenant_id = pe.tenant_id AND p.id = pe.person_id JOIN establishment e ON e.tenant_id = pe.tenant_id AND e.id = pe.establishment_id
     WHERE pe.tenant_id = 'sample' AND p.login = $1 ORDER BY e.uai`, [login]));
  const teams = async (login: string) => (await sql<{ key: string; lead: boolean }>(
    `SELECT t.key, m.lead FROM team_member m JOIN person p ON p.tenant_id = m.tenant_id AND p.id = m.person_id JOIN team t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
     WHERE m.tenant_id = 'sample' AND p.login = $1 ORDER BY t.key`, [login]));
  const sync = (options: { dryRun?: boolean; force?: boolean } = {}) => t.core.directorySync.sync(t.core.context('sample'), { source: 'ldap-directory', ...options });

  beforeAll(async () => {
    process.env.GUICHET_TEST_LDAP_PASSWORD = LDAP_ADMIN.password;
    slapd = await startSlapd();
    t = await startTestApp({ tenants: ['sample'], tenantsDir: fixturePacksWith({ sample: (y) => y.replace(/\nplugins:\n {2}- \{ plugin: webhooks \}\n/, directoryPlugins(slapd.url)) }) });
  });
  afterAll(async () => {
    await t?.close();
    await slapd?.stop();
  });

  it('dry run: reports what a first sync would do, refusing bad entries with their reason, and writes nothing', async () => {
    const before = await sql(`SELECT count(*)::int AS n FROM person WHERE tenant_id = 'sample'`);
    const report = await sync({ dryRun: true });
    expect(report).toMatchObject({ source: 'ldap-directory', dryRun: true, read: 7, people: { created: 4, updated: 0, deactivated: 0 }, memberships: { added: 5 }, teams: { added: 3 } });
    expect(report.refused).toEqual([
      { where: `uid=eleblanc,ou=personnes,${LDAP_SUFFIX}`, reason: 'establishments: "9999999Z" is not a valid UAI (check letter P expected)' },
      { where: `uid=badmail,ou=personnes,${LDAP_SUFFIX}`, reason: 'email: "pas-une-adresse" is not an e-mail address' },
      { where: `cn=Sans Identifiant,ou=personnes,${LDAP_SUFFIX}`, reason: 'no uid' },
    ]);
    expect(await sql(`SELECT count(*)::int AS n FROM person WHERE tenant_id = 'sample'`)).toEqual(before);
    expect(await sql(`SELECT count(*)::int AS n FROM admin_audit WHERE tenant_id = 'sample'`)).toEqual([{ n: 0 }]);
  });

  it('creates people with their establishments, heads, roles and teams from the national education attributes', async () => {
    const report = await sync();
    expect(report).toMatchObject({ dryRun: false, people: { created: 4, updated: 0, unchanged: 0 }, memberships: { added: 5, removed: 0 }, teams: { added: 3 } });
    expect(await person('ndurand')).toEqual({ display_name: 'Nadia Durand', email: 'nadia.durand@ac-exemple.fr', title: 'Technicienne', roles: ['agent'], active: true, directory_source: 'ldap-directory' });
    expect(await memberships('mroux')).toEqual([{ uai: '9740049K', roles: ['member', 'head'] }]);
    expect(await memberships('jcaron')).toEqual([{ uai: '0140096D', roles: ['member'] }, { uai: '9740049K', roles: ['member'] }]);
    expect((await person('jcaron')).roles).toEqual([]);
    expect(await teams('plefevre')).toEqual([{ key: 'desk', lead: false }, { key: 'network', lead: true }]);
    const [entry] = (await t.core.adminAudit.list(t.core.context('sample'), { action: 'directory.synced' }, 1)).items;
    expect(entry).toMatchObject({ actor: 'system', target: { type: 'directory', key: 'ldap-directory' }, after: { read: 7, refused: 3, people: { created: 4 } } });
  });

  it('is idempotent: a second sync changes nothing', async () => {
    expect(await sync()).toMatchObject({ people: { created: 0, updated: 0, unchanged: 4, deactivated: 0 }, memberships: { added: 0, changed: 0, removed: 0 }, teams: { added: 0, changed: 0, removed: 0 } });
  });

  it('follows the directory: updates, ends a head role, and deactivates who left — keeping them and their tickets', async () => {
    const jcaron = await t.core.as('sample', 'jcaron');
    const ticket = await t.core.tickets.create(jcaron, { leaf: 'otp-order', values: { establishment: '9740049K', title: 'Clé OTP', description: 'Perdue.' } });
    slapd.modify(`dn: uid=ndurand,ou=personnes,${LDAP_SUFFIX}\nchangetype: modify\nreplace: mail\nmail: n.durand@ac-exemple.fr\n\n` +
      `dn: uid=mroux,ou=personnes,${LDAP_SUFFIX}\nchangetype: modify\ndelete: FrEduRneResp\n-\nreplace: FrEduFonctAdm\nFrEduFonctAdm: ADM\n\n` +
      `dn: uid=plefevre,ou=personnes,${LDAP_SUFFIX}\nchangetype: modify\ndelete: departmentNumber\ndepartmentNumber: DSI-RESEAU\n\n` +
      `dn: uid=jcaron,ou=personnes,${LDAP_SUFFIX}\nchangetype: delete\n`);
    const report = await sync();
    expect(report).toMatchObject({ read: 6, people: { created: 0, updated: 1, unchanged: 2, deactivated: 1, deactivatedWithTickets: 1 }, memberships: { changed: 1, removed: 0 }, teams: { removed: 1 } });
    expect((await person('ndurand')).email).toBe('n.durand@ac-exemple.fr');
    expect(await memberships('mroux')).toEqual([{ uai: '9740049K', roles: ['member'] }]);
    expect(await teams('plefevre')).toEqual([{ key: 'desk', lead: false }]);
    expect(await person('jcaron')).toMatchObject({ active: false });
    expect(await memberships('jcaron')).toHaveLength(2);
    const agent = await t.core.as('sample', 'agent');
    expect((await t.core.desk.detail(agent, ticket.reference)).requester).toMatchObject({ login: 'jcaron' });
    // Back in the directory, a deactivated person is reported, not reactivated behind the administrators' back.
    slapd.add(`dn: uid=jcaron,ou=personnes,${LDAP_SUFFIX}\nobjectClass: inetOrgPerson\nuid: jcaron\ncn: Julien Caron\ndisplayName: Julien Caron\nsn: Caron\n`);
    expect(await sync()).toMatchObject({ people: { inactiveInDirectory: 1, deactivated: 0 } });
    expect(await person('jcaron')).toMatchObject({ active: false });
  });

  it('runs from the administration API too, for administrators only', async () => {
    const admin = await apiClient(t, 'sample', 'admin', ['read', 'write', 'admin']);
    const res = await admin.post('admin/directory/sync', { dryRun: true, source: 'ldap-directory' }).expect(200);
    expect(res.body).toMatchObject({ dryRun: true, people: { created: 0, deactivated: 0 } });
    await admin.post('admin/directory/sync', { dryRun: 'yes' }).expect(400);
    await admin.post('admin/directory/sync', { source: 'nowhere' }).expect(404);
    await (await apiClient(t, 'sample', 'agent', ['read', 'write', 'admin'])).post('admin/directory/sync', {}).expect(403);
  });

  it('refuses to deactivate most of the directory at once unless forced', async () => {
    slapd.modify(['ndurand', 'plefevre', 'mroux'].map((uid) => `dn: uid=${uid},ou=personnes,${LDAP_SUFFIX}\nchangetype: delete\n`).join('\n'));
    await expect(sync()).rejects.toMatchObject({ code: 'DIRECTORY_SHRANK', params: { missing: 3, managed: 3 } });
    expect(await person('ndurand')).toMatchObject({ active: true });
    expect(await sync({ force: true })).toMatchObject({ people: { deactivated: 3 } });
  });

  it('syncs a CSV export through the CLI, with a dry run first and every refused line', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'guichet-csv-')), 'annuaire.csv');
    writeFileSync(file, [
      '\uFEFFidentifiant;nom;courriel;uai;groupes',
      'lmartin;Léa Martin;lea.martin@ac-exemple.fr;0140096D|9740049K;n2',
      'tgarnier;"Garnier; Thomas";thomas.garnier@ac-exemple.fr;9740049K;',
      'tgarnier;Doublon;doublon@ac-exemple.fr;9740049K;',
      'court;Trop;court',
      'uaifausse;UAI Fausse;uai@ac-exemple.fr;0140096A;',
      '',
    ].join('\r\n'));
    const lines: string[] = [];
    const run = async (...args: string[]) => {
      lines.length = 0;
      const program = new Command('guichet').exitOverride();
      const app = new Proxy(t.app, { get: (target, key) => (key === 'close' ? async () => undefined : Reflect.get(target, key)) }) as INestApplicationContext;
      registerDirectoryCommands(program, async () => app, (line) => lines.push(line));
      await program.parseAsync(args, { from: 'user' });
      return lines.join('\n');
    };
    const dry = await run('directory', 'sync', 'sample', '--source', 'csv-directory', '--file', file, '--dry-run');
    expect(dry).toContain('(dry run: nothing written)');
    expect(dry).toContain('people: 2 created');
    expect(dry).toContain('refused annuaire.csv:4: login: "tgarnier" already read at annuaire.csv:3');
    expect(dry).toContain('refused annuaire.csv:5: expected 5 columns, got 3');
    expect(dry).toContain('refused annuaire.csv:6: establishments: "0140096A" is not a valid UAI (check letter D expected)');
    expect(await person('lmartin')).toBeUndefined();
    const real = JSON.parse(await run('directory', 'sync', 'sample', '--source', 'csv-directory', '--file', file, '--json'));
    expect(real).toMatchObject({ read: 5, people: { created: 2 }, memberships: { added: 3 }, teams: { added: 1 } });
    expect(await person('tgarnier')).toMatchObject({ display_name: 'Garnier; Thomas', directory_source: 'csv-directory' });
    expect(await teams('lmartin')).toEqual([{ key: 'network', lead: false }]);
    // The LDAP source's people are not the CSV's: nobody of the LDAP was deactivated by it.
    expect(real.people.deactivated).toBe(0);
  });
});
