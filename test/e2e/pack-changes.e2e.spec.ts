/**
 * A pack change on a live tenant: a new version of `sample` drops the status `pending` (its
 * tickets have no other "waiting" status to go to), replaces `resolved` by `solved` and drops the
 * team `network`. Without a rule the boot refuses it, naming file, key and count; the plan says
 * so without writing. With `retired` rules the deploy moves the tickets in one transaction, each
 * with a history entry, and every page and route on them answers — on the new instance and on
 * one still running the previous pack.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { createApp, createContext } from '../../src/bootstrap.js';
import { formatPlan } from '../../src/deployment/pack-plan.js';
import { PackSync } from '../../src/deployment/pack-sync.js';
import { TenantContexts } from '../../src/tenancy/tenant-contexts.js';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const TRANSITIONS = `
statuses: { pending: null, resolved: null, solved: { label: { fr: Résolue, en: Solved }, category: resolved } }
transitions:
  - { name: take, label: Prendre en charge, from: [assigned], to: taken, by: [agent], effects: [assign-actor] }
  - { name: resolve, label: Résoudre, from: [assigned, taken], to: solved, by: [agent], requires: [solution] }
  - { name: close, label: Clore, from: solved, to: closed, by: [requester, beneficiary], requires: [rating], survey: satisfaction }
  - { name: reopen, label: Rouvrir, from: solved, to: taken, by: [requester, beneficiary], requires: [comment], effects: [clear-resolution] }
  - { name: auto-close, label: Clôture automatique, from: solved, to: closed, by: [system] }
timers:
  - { when: solved, after: P14D, apply: auto-close }
`;
const oneTeam = (yaml: string) => yaml.replace(/\n {2}- \{ key: network,[^\n]*/, '');
const version2 = (retired: string) =>
  fixturePacksWith({ sample: (y) => `${oneTeam(y)}${TRANSITIONS}${retired}` }, undefined, {
    'sample/catalogue.yaml': (y) => y.replaceAll('team: network', 'team: desk'),
    'sample/demo.yaml': (y) => y.replace(', { key: network }', ''),
  });

describe('pack changes on live tickets', () => {
  let t: TestApp;
  const refs: Record<string, string> = {};
  const closers: (INestApplication | INestApplicationContext)[] = [];
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.core.deps.dataSource.query(text, params) as Promise<T[]>;
  const ticket = async (ref: string) => (await sql<{ status: string; status_category: string; team: string; version: number }>(
    `SELECT t.status, t.status_category, tm.key AS team, t.version FROM ticket t JOIN team tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id WHERE t.tenant_id = 'sample' AND t.reference = $1`, [ref]))[0];

  beforeAll(async () => {
    t = await startTestApp({ tenants: ['sample'] });
    const alice = await t.core.as('sample', 'alice');
    const agent = await t.core.as('sample', 'agent');
    const create = async (leaf: string, title: string, extra = {}) => (await t.core.tickets.create(alice, { leaf, values: { establishment: '9740049K', title, description: 'Pour le test.', ...extra } })).reference;
    refs.pending = await create('otp-order', 'En attente');
    await t.core.actions.transition(agent, refs.pending, { transition: 'take' });
    await t.core.actions.transition(agent, refs.pending, { transition: 'ask', comment: 'Quel poste ?' });
    refs.resolved = await create('otp-order', 'Résolu');
    await t.core.actions.transition(agent, refs.resolved, { transition: 'resolve', solution: 'Fait.' });
    refs.network = await create('wifi-down', 'Réseau', { building: 'CDI' });
    expect((await ticket(refs.pending)).status).toBe('pending');
    expect((await ticket(refs.network)).team).toBe('network');
  });
  afterAll(async () => {
    for (const c of closers) await c.close();
    await t?.close();
  });

  const context = async (tenantsDir: string) => {
    const app = await createContext({ ...t.config, tenantsDir }, { clock: t.clock, prepare: false, logger: false });
    closers.push(app);
    return app;
  };

  it('plans a change that would strand tickets, refuses it at boot naming file, key and count, and writes nothing', async () => {
    const packs = version2('');
    const plan = await (await context(packs)).get(PackSync).plan((await context(packs)).get(TenantContexts).for('sample'));
    expect(plan.stranded).toEqual([expect.objectContaining({ path: 'retired.statuses.pending', tickets: 1 })]);
    expect(plan.stranded[0].file).toMatch(/sample\/tenant\.yaml$/);
    expect(plan.statuses.retired).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'resolved', to: 'solved', rule: 'category', tickets: expect.any(Number) }),
      expect.objectContaining({ key: 'pending', to: null, rule: null, tickets: 1, live: 1 }),
    ]));
    expect(plan.teams.retired).toEqual([expect.objectContaining({ key: 'network', to: 'desk', rule: 'fallbackTeam', live: expect.any(Number) })]);
    expect(plan.statuses.added).toEqual(['solved']);
    expect(plan.transitions.removed).toEqual(expect.arrayContaining(['ask', 'answer']));
    expect(formatPlan(plan).join('\n')).toMatch(/REFUSED .*sample\/tenant\.yaml: retired\.statuses\.pending: expected a status to move the 1 ticket/);

    const hash = (await sql<{ pack_hash: string }>(`SELECT pack_hash FROM tenant WHERE id = 'sample'`))[0].pack_hash;
    await expect(createContext({ ...t.config, tenantsDir: packs }, { clock: t.clock, logger: false })).rejects.toThrow(/tenant\.yaml: retired\.statuses\.pending: expected a status to move the 1 ticket/);
    expect((await sql<{ pack_hash: string }>(`SELECT pack_hash FROM tenant WHERE id = 'sample'`))[0].pack_hash).toBe(hash);
    expect((await ticket(refs.pending)).status).toBe('pending');
    expect((await ticket(refs.network)).team).toBe('network');
  });

  it('refuses a rule that names a status the pack still has, or moves to an unknown one', async () => {
    const packs = version2('retired: { statuses: { taken: closed, pending: nowhere }, teams: { network: lab } }\n');
    await expect(context(packs)).rejects.toThrow(
      /retired\.statuses\.taken: expected a status this pack no longer has[\s\S]*retired\.statuses\.pending: expected a known status to move its tickets to, got "nowhere"[\s\S]*retired\.teams\.network: expected a team key/,
    );
  });

  it('with rules, moves the tickets at deploy with a history entry, and every route and page on them answers, on the new instance and on the old one', async () => {
    const packs = version2('retired: { statuses: { pending: taken }, teams: { network: desk } }\n');
    const before = await ticket(refs.pending);
    const app = await createApp({ ...t.config, tenantsDir: packs }, { clock: t.clock, seed: false, logger: false });
    closers.push(app);
    expect(await ticket(refs.pending)).toEqual({ status: 'taken', status_category: 'open', team: 'desk', version: before.version + 1 });
    expect(await ticket(refs.resolved)).toMatchObject({ status: 'solved', status_category: 'resolved' });
    expect((await ticket(refs.network)).team).toBe('desk');
    expect((await sql(`SELECT count(*)::int AS n FROM ticket WHERE tenant_id = 'sample' AND status NOT IN ('assigned', 'taken', 'solved', 'closed')`))[0]).toEqual({ n: 0 });
    const entries = await sql<{ reference: string; public: boolean; data: unknown }>(
      `SELECT t.reference, e.public, e.data FROM ticket_event e JOIN ticket t ON t.tenant_id = e.tenant_id AND t.id = e.ticket_id WHERE e.tenant_id = 'sample' AND e.type = 'pack-moved' ORDER BY e.id`);
    expect(entries).toEqual(expect.arrayContaining([
      { reference: refs.pending, public: true, data: { status: { from: 'pending', to: 'taken' } } },
      { reference: refs.resolved, public: true, data: { status: { from: 'resolved', to: 'solved' } } },
      { reference: refs.network, public: false, data: { team: { from: 'network', to: 'desk' } } },
    ]));

    const http = request(app.getHttpServer());
    const token = async (login: string) => (await t.core.tokens.mint(t.core.context('sample'), login, { name: 'test', scopes: ['read', 'write'] })).token;
    const [alice, agent] = [await token('alice'), await token('agent')];
    for (const client of [http, t.http]) {
      for (const ref of Object.values(refs)) {
        await client.get(`/api/sample/tickets/${ref}`).auth(alice, { type: 'bearer' }).expect(200);
        await client.get(`/api/sample/desk/tickets/${ref}`).auth(agent, { type: 'bearer' }).expect(200);
      }
      for (const team of ['desk', 'mine']) await client.get(`/api/sample/desk/queue?team=${team}`).auth(agent, { type: 'bearer' }).expect(200);
      await client.get(`/api/sample/tickets?view=open`).auth(alice, { type: 'bearer' }).expect(200);
      await client.get(`/api/sample/desk/teams`).auth(agent, { type: 'bearer' }).expect(200);
    }
    // The dropped team's queue is an unknown team now: a 400 on the field, not a 500.
    await http.get(`/api/sample/desk/queue?team=network`).auth(agent, { type: 'bearer' }).expect(400);
    const session = async (login: string) => String(((await http.post('/sample/auth/demo').type('form').send({ login }).expect(303)).headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    const [aliceCookie, agentCookie] = [await session('alice'), await session('agent')];
    for (const ref of Object.values(refs)) {
      const page = await http.get(`/sample/tickets/${ref}`).set('Cookie', aliceCookie).expect(200);
      if (ref === refs.pending) expect(page.text).toContain('Statut changé par une évolution de la plateforme');
      await http.get(`/sample/desk/tickets/${ref}`).set('Cookie', agentCookie).expect(200);
    }
    for (const path of ['/sample/', '/sample/tickets', '/sample/tickets?view=waiting']) await http.get(path).set('Cookie', aliceCookie).expect(200);
    for (const path of ['/sample/desk', '/sample/desk?team=desk', '/sample/desk?team=network']) expect((await http.get(path).set('Cookie', agentCookie)).status).toBeLessThan(500);

    const plan = await (await context(packs)).get(PackSync).plan((await context(packs)).get(TenantContexts).for('sample'));
    expect(formatPlan(plan)).toEqual(['sample: unchanged']);
  });
});
