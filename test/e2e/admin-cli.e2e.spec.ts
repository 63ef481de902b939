/**
 * `guichet admin …` runs the administration API's operations through the same services, audited
 * as `cli:<user>`: the first administrator, people, roles, memberships, teams, establishments.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { Command } from 'commander';
import { registerAdminCommands } from '../../src/cli/admin-commands.js';
import { apiClient } from '../setup/api-client.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('guichet admin (CLI)', () => {
  let t: TestApp;
  let lines: string[] = [];
  const guichet = async (...args: string[]) => {
    lines = [];
    const program = new Command('guichet').exitOverride();
    // The test's instance stands for the engine the command would open; closing it is the test's.
    const app = new Proxy(t.app, { get: (target, key) => (key === 'close' ? async () => undefined : Reflect.get(target, key)) }) as INestApplicationContext;
    registerAdminCommands(program, async () => app, (line) => lines.push(line));
    await program.parseAsync(args, { from: 'user' });
    return lines.join('\n');
  };

  beforeAll(async () => {
    t = await startTestApp({ tenants: ['sample'], seed: false });
  });
  afterAll(() => t?.close());

  it('creates the first administrator of an empty tenant, who can then use the administration API', async () => {
    expect(await guichet('admin', 'create', 'sample', 'root', '--name', 'Première Admin', '--email', 'root@example.org')).toMatch(/root is an administrator/);
    const root = await apiClient(t, 'sample', 'root', ['read', 'write', 'admin']);
    const [entry] = (await root.get('admin/audit').expect(200)).body.items;
    expect(entry).toMatchObject({ action: 'person.created', actor: expect.stringMatching(/^cli:/), after: { login: 'root', roles: ['admin', 'agent'] } });
    // Run again (or on a person who signed in first): roles are added, nothing is duplicated.
    await guichet('admin', 'create', 'sample', 'root', '--name', 'ignored');
    expect((await root.get('admin/people?q=root').expect(200)).body.total).toBe(1);
  });

  it('adds, edits, searches, gives roles, deactivates and reactivates people', async () => {
    await guichet('admin', 'add-person', 'sample', 'bmartin', '--name', 'Béatrice Martin', '--roles', 'agent');
    await guichet('admin', 'edit', 'sample', 'bmartin', '--title', 'Technicienne');
    expect(await guichet('admin', 'people', 'sample', 'beatrice')).toMatch(/^bmartin\tBéatrice Martin\t-\tagent\tactive\n1 person\(s\), page 1$/);
    await guichet('admin', 'roles', 'sample', 'bmartin', 'agent,admin');
    await guichet('admin', 'deactivate', 'sample', 'bmartin');
    expect(await guichet('admin', 'people', 'sample', '--inactive')).toMatch(/bmartin.*deactivated/);
    await guichet('admin', 'reactivate', 'sample', 'bmartin');
    expect(JSON.parse(await guichet('admin', 'show', 'sample', 'bmartin'))).toMatchObject({ title: 'Technicienne', roles: ['admin', 'agent'], active: true });
    await expect(guichet('admin', 'add-person', 'sample', 'integration:x', '--name', 'X')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('creates and changes establishments, memberships and team members', async () => {
    await expect(guichet('admin', 'establishment', 'sample', '0140096A', '--name', 'Faux')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', problems: [{ field: 'uai', rule: 'rule.uai', params: { expected: 'D' } }] });
    await guichet('admin', 'establishment', 'sample', '0140096D', '--name', 'Rectorat', '--city', 'Caen');
    await guichet('admin', 'establishment', 'sample', '0140096D', '--city', 'Caen Cedex');
    expect(await guichet('admin', 'establishments', 'sample', 'rectorat')).toMatch(/^0140096D\tRectorat\t-\tCaen Cedex\t0 person\(s\)/);
    expect(JSON.parse(await guichet('admin', 'membership', 'sample', 'bmartin', '0140096D', '--head'))).toEqual([{ uai: '0140096D', name: 'Rectorat', head: true }]);
    expect(await guichet('admin', 'team', 'sample', 'network', 'bmartin', '--lead')).toBe('bmartin\tBéatrice Martin\tlead');
    expect(await guichet('admin', 'teams', 'sample')).toMatch(/network\t.*1 member\(s\), 1 lead\(s\)/);
    expect(await guichet('admin', 'team', 'sample', 'network', 'bmartin', '--remove')).toBe('');
    const log = await guichet('admin', 'audit', 'sample', '--target', 'network');
    expect(log.split('\n').map((l) => l.split('\t')[2])).toEqual(['team-member.removed', 'team-member.set']);
  });
});
