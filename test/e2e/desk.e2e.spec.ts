import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { ROOT, startTestApp, type TestApp } from '../setup/test-app.js';

/**
 * The agents' desk on the `desk` fixture pack (test/fixtures/desk-packs/desk): routing rules, team
 * scoping, queues and search, desk actions, mass incidents, bulk actions. People: alice (lycée,
 * LPO) and carla (collège, CLG) request; dora is level 1 (`desk`, acts on every team), axel and
 * ania `accounts`, nina `network`, sam `supervision` (reads every team), root an admin.
 */
const API = '/api/desk';

interface Ticket {
  id: string;
  reference: string;
  status: { key: string; category: string };
  team: { key: string } | null;
  assignee: { login: string } | null;
  priority: { key: string } | null;
  history: { type: string; public: boolean; data: Record<string, unknown> }[];
}

describe('agent desk (routing, scoping, queues, actions)', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const auth = (login: string) => ({ Authorization: `Bearer ${tokens[login]}` });
  const get = (login: string, path: string) => t.http.get(`${API}${path}`).set(auth(login));
  const post = (login: string, path: string, body: object = {}) => t.http.post(`${API}${path}`).set(auth(login)).send(body);

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: join(ROOT, 'test', 'fixtures', 'desk-packs'), now: '2026-03-02T08:00:00Z' });
    for (const login of ['alice', 'carla', 'dora', 'axel', 'ania', 'nina', 'sam', 'root']) tokens[login] = await t.token('desk', login);
  });
  afterAll(() => t?.close());

  async function create(login: string, leaf: string, values: Record<string, unknown> = {}): Promise<Ticket> {
    t.clock.advance(1000);
    const res = await post(login, '/tickets', { leaf, values: { title: `Ticket ${leaf}`, description: 'Détails', ...values } }).expect(201);
    return res.body;
  }
  const detail = async (login: string, ref: string): Promise<Ticket & { desk: Record<string, unknown> }> => (await get(login, `/desk/tickets/${ref}`).expect(200)).body;
  const queueRefs = async (login: string, query = ''): Promise<string[]> => (await get(login, `/desk/queue?limit=50${query}`).expect(200)).body.items.map((i: Ticket) => i.reference);
  const outbox = (ticketId: string, topic: string) =>
    t.core.deps.dataSource.query(`SELECT p.login FROM outbox o JOIN person p ON p.tenant_id = o.tenant_id AND p.id = o.recipient_id WHERE o.ticket_id = $1 AND o.topic = $2 ORDER BY p.login`, [ticketId, topic]);

  describe('routing', () => {
    it('goes by the rules in order, then the leaf, then the fallback team, and records why', async () => {
      const leafTeam = await create('alice', 'wifi-down');
      const ruleKind = await create('carla', 'wifi-down');
      const ruleField = await create('alice', 'question', { component: 'mail' });
      const fallback = await create('alice', 'question', { component: 'other' });
      expect([leafTeam, ruleKind, ruleField, fallback].map((x) => x.team?.key)).toEqual(['network', 'schools', 'accounts', 'desk']);
      const routed = async (ref: string) => (await detail('root', ref)).history.find((e) => e.type === 'routed');
      expect(await routed(leafTeam.reference)).toMatchObject({ public: false, data: { team: 'network', rule: 'leaf', source: 'leaf' } });
      expect(await routed(ruleKind.reference)).toMatchObject({ data: { team: 'schools', rule: 'schools-network', source: 'rule' } });
      expect(await routed(ruleField.reference)).toMatchObject({ data: { team: 'accounts', rule: 'mail-component', source: 'rule' } });
      expect(await routed(fallback.reference)).toMatchObject({ data: { team: 'desk', rule: 'fallback', source: 'fallback' } });
      // Routed to a team, never to a person.
      expect([leafTeam, ruleKind, ruleField, fallback].map((x) => x.assignee)).toEqual([null, null, null, null]);
    });
  });

  describe('team scoping', () => {
    let network: Ticket;
    let accounts: Ticket;

    beforeAll(async () => {
      network = await create('alice', 'printer', { title: 'Imprimante du CDI' });
      accounts = await create('alice', 'password-reset', { title: 'Mot de passe perdu' });
    });

    it('lists in each agent only the tickets of their teams, admins everything', async () => {
      const nina = await queueRefs('nina');
      expect(nina).toContain(network.reference);
      expect(nina).not.toContain(accounts.reference);
      const axel = await queueRefs('axel');
      expect(axel).toContain(accounts.reference);
      expect(axel).not.toContain(network.reference);
      expect(await queueRefs('root')).toEqual(expect.arrayContaining([network.reference, accounts.reference]));
      expect(await queueRefs('dora')).toEqual(expect.arrayContaining([network.reference, accounts.reference]));
    });

    it("answers 404 for another team's ticket, through the desk and the portal API alike", async () => {
      await get('nina', `/desk/tickets/${accounts.reference}`).expect(404);
      await post('nina', `/desk/tickets/${accounts.reference}/take`).expect(404);
      await post('nina', `/tickets/${accounts.reference}/transitions`, { transition: 'take' }).expect(404);
      await get('nina', `/tickets/${accounts.reference}`).expect(404);
      await post('nina', `/desk/tickets/${network.reference}/take`).expect(200);
    });

    it('lets a team the pack allows to read see other tickets, private notes included, but act on none (403)', async () => {
      await t.http.post(`${API}/tickets/${accounts.reference}/comments`).set(auth('axel')).send({ body: 'Compte verrouillé côté annuaire', private: true }).expect(201);
      const seen = await detail('sam', accounts.reference);
      expect(seen.desk.right).toBe('read');
      expect(seen.desk.actions).toEqual({});
      expect(seen.history.map((e) => e.type)).toContain('noted');
      expect(await queueRefs('sam')).toContain(accounts.reference);
      await post('sam', `/desk/tickets/${accounts.reference}/take`).expect(403);
      await post('sam', `/tickets/${accounts.reference}/comments`, { body: 'x', private: true }).expect(403);
      await post('sam', `/tickets/${accounts.reference}/transitions`, { transition: 'take' }).expect(403);
    });

    it('lets a level-1 team the pack allows to act on every team', async () => {
      const taken = (await post('dora', `/desk/tickets/${accounts.reference}/take`).expect(200)).body;
      expect(taken).toMatchObject({ status: { key: 'taken' }, assignee: { login: 'dora' } });
    });

    it('never shows private notes to the requester', async () => {
      const mine = (await t.http.get(`${API}/tickets/${accounts.reference}`).set(auth('alice')).expect(200)).body;
      expect(mine.history.map((e: { type: string }) => e.type)).not.toContain('noted');
      expect(JSON.stringify(mine)).not.toContain('verrouillé');
      await get('alice', `/desk/tickets/${accounts.reference}`).expect(403);
      await get('alice', '/desk/queue').expect(403);
    });

    it('gives each agent the teams with their right and counts', async () => {
      const teams = (await get('nina', '/desk/teams').expect(200)).body;
      expect(teams.find((x: { key: string }) => x.key === 'network')).toMatchObject({ mine: true, right: 'act' });
      expect(teams.find((x: { key: string }) => x.key === 'accounts')).toMatchObject({ mine: false, right: 'none', counts: null });
      expect(teams.find((x: { key: string }) => x.key === 'network').counts.open).toBeGreaterThan(0);
      const members = (await get('dora', '/desk/teams/accounts/members').expect(200)).body;
      expect(members.map((m: { login: string }) => m.login).sort()).toEqual(['ania', 'axel']);
      await get('nina', '/desk/teams/accounts/members').expect(404);
    });
  });

  describe('queues', () => {
    it('orders unassigned first, then by priority, then by age, 50 a page with a keyset cursor', async () => {
      const low = await create('alice', 'mailbox', { title: 'Ordre basse' });
      const high = await create('alice', 'mailbox', { title: 'Ordre haute', impact: 'establishment', urgency: 'high' });
      const normal = await create('alice', 'mailbox', { title: 'Ordre normale', urgency: 'high' });
      const taken = await create('alice', 'mailbox', { title: 'Ordre prise', impact: 'establishment', urgency: 'high' });
      await post('axel', `/desk/tickets/${taken.reference}/take`).expect(200);
      const mine = [low, high, normal, taken].map((x) => x.reference);
      const pages: string[] = [];
      let cursor: string | null = null;
      do {
        const body: { items: Ticket[]; nextCursor: string | null } = (await get('axel', `/desk/queue?team=accounts&limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200)).body;
        expect(body.items.length).toBeLessThanOrEqual(2);
        pages.push(...body.items.map((i) => i.reference));
        cursor = body.nextCursor;
      } while (cursor);
      expect(new Set(pages).size).toBe(pages.length);
      expect(pages.filter((r) => mine.includes(r))).toEqual([high.reference, normal.reference, low.reference, taken.reference]);
      const whole = (await get('axel', '/desk/queue?team=accounts').expect(200)).body;
      expect(whole.items.map((i: Ticket) => i.reference)).toEqual(pages);
      expect(whole.counts.new + whole.counts.open).toBe(pages.length);
      await get('axel', '/desk/queue?cursor=nonsense').expect(400);
      const badSort = await get('axel', '/desk/queue?sort=random&lang=en').expect(400);
      expect(badSort.body.details[0]).toMatchObject({ field: 'sort' });
    });

    it('filters by assignee, priority and status category, and counts per category', async () => {
      const res = (await get('axel', '/desk/queue?team=accounts&assignee=none&priority=p1').expect(200)).body;
      expect(res.items.every((i: Ticket) => i.priority?.key === 'p1' && i.assignee === null)).toBe(true);
      expect(res.items.length).toBeGreaterThan(0);
      const resolved = (await get('axel', '/desk/queue?team=accounts&category=resolved').expect(200)).body;
      expect(resolved.items).toEqual([]);
      expect(Object.keys(resolved.counts).sort()).toEqual(['closed', 'new', 'open', 'resolved', 'waiting']);
      await get('axel', '/desk/queue?team=nowhere').expect(400);
      await get('axel', '/desk/queue?team=network').expect(403);
    });

    it('searches title, description and public exchanges in French, accent-insensitive, never private notes', async () => {
      const ticket = await create('alice', 'mailbox', { title: 'Problème de réception des pièces jointes', description: 'Les messages arrivent tronqués' });
      await post('axel', `/tickets/${ticket.reference}/comments`, { body: 'Vérifiez le quota de la boîte, svp' }).expect(201);
      await post('axel', `/tickets/${ticket.reference}/comments`, { body: 'Serveur saturé zygomatique', private: true }).expect(201);
      const search = (q: string) => queueRefs('axel', `&q=${encodeURIComponent(q)}`);
      expect(await search('probleme reception')).toContain(ticket.reference); // accents and case
      expect(await search('PIECE JOINTE')).toContain(ticket.reference); // stemming
      expect(await search('tronqu')).toContain(ticket.reference); // prefix, description
      expect(await search('quota')).toContain(ticket.reference); // public exchange
      expect(await search('zygomatique')).not.toContain(ticket.reference); // private note
      expect(await search(ticket.reference.toLowerCase())).toEqual([ticket.reference]);
    });
  });

  describe('actions', () => {
    it('assigns to a member who may act on the ticket, taking it on their behalf', async () => {
      const ticket = await create('alice', 'mailbox', { title: 'À assigner' });
      const refused = await post('axel', `/desk/tickets/${ticket.reference}/assign`, { person: 'nina' }).expect(400);
      expect(refused.body.details[0]).toMatchObject({ field: 'person', rule: 'teamMember' });
      const res = (await post('axel', `/desk/tickets/${ticket.reference}/assign`, { person: 'ania' }).expect(200)).body;
      expect(res).toMatchObject({ status: { key: 'taken' }, assignee: { login: 'ania' } });
      expect(res.history.slice(-2).map((e: { type: string }) => e.type)).toEqual(['assigned', 'transitioned']);
    });

    it('reassigns to another team directly from the new status, through the transition once taken', async () => {
      const direct = await create('alice', 'question', { title: 'Pour le réseau' });
      const moved = (await post('dora', `/desk/tickets/${direct.reference}/reassign`, { team: 'network', reason: 'Problème de câblage' }).expect(200)).body;
      expect(moved).toMatchObject({ status: { key: 'assigned' }, team: { key: 'network' }, assignee: null });
      expect(moved.history.at(-1)).toMatchObject({ type: 'routed', public: false, data: { team: 'network', from: 'desk', reason: 'Problème de câblage', source: 'desk' } });
      expect(await outbox(direct.id, 'ticket.reassigned')).toEqual([{ login: 'nina' }]);
      await post('dora', `/desk/tickets/${direct.reference}/reassign`, { team: 'network' }).expect(400);

      const escalated = await create('alice', 'mailbox', { title: 'Niveau 2' });
      await post('axel', `/desk/tickets/${escalated.reference}/take`).expect(200);
      const gone = (await post('axel', `/desk/tickets/${escalated.reference}/reassign`, { team: 'network', reason: 'Câble' }).expect(200)).body;
      expect(gone).toMatchObject({ reference: escalated.reference, readable: false, status: { key: 'escalated' } });
      const seen = await detail('nina', escalated.reference);
      expect(seen).toMatchObject({ status: { key: 'escalated', label: 'Réaffectée' }, team: { key: 'network' }, assignee: null });
      await get('axel', `/desk/tickets/${escalated.reference}`).expect(404);
    });

    it('requalifies impact, urgency and leaf with a reason, the priority from the matrix, routing again on request', async () => {
      const ticket = await create('alice', 'question', { title: 'À requalifier' });
      const noReason = await post('dora', `/desk/tickets/${ticket.reference}/requalify`, { urgency: 'high', reason: ' ' }).expect(400);
      expect(noReason.body.details).toEqual([{ field: 'reason', rule: 'required', message: 'Ce champ est obligatoire.' }]);
      const bad = await post('dora', `/desk/tickets/${ticket.reference}/requalify?lang=en`, { urgency: 'someday', reason: 'x' }).expect(400);
      expect(bad.body.details[0]).toMatchObject({ field: 'urgency', message: 'Choose one of the offered values.' });
      const res = (await post('dora', `/desk/tickets/${ticket.reference}/requalify`, { impact: 'establishment', urgency: 'high', reason: 'Tout le lycée est touché' }).expect(200)).body;
      expect(res.priority.key).toBe('p1');
      expect(res.history.at(-1)).toMatchObject({
        type: 'requalified',
        public: true,
        data: { reason: 'Tout le lycée est touché', changes: { impact: { from: 'person', to: 'establishment' }, urgency: { from: 'low', to: 'high' }, priority: { from: 'p3', to: 'p1' } } },
      });
      const rerouted = (await post('dora', `/desk/tickets/${ticket.reference}/requalify`, { leaf: 'wifi-down', reason: 'C’est le Wi-Fi', reroute: true }).expect(200)).body;
      expect(rerouted).toMatchObject({ type: { key: 'incident' }, team: { key: 'network' }, leaf: { key: 'wifi-down' } });
      expect(rerouted.history.map((e: { type: string }) => e.type).slice(-2)).toEqual(['requalified', 'routed']);
    });

    it('asks the requester with a reason, and the answer resumes the ticket', async () => {
      const ticket = await create('alice', 'mailbox', { title: 'À compléter' });
      const early = await post('axel', `/desk/tickets/${ticket.reference}/ask`, { reason: 'Quel poste ?' }).expect(409);
      expect(early.body.code).toBe('TRANSITION_NOT_ALLOWED');
      await post('axel', `/desk/tickets/${ticket.reference}/take`).expect(200);
      await post('axel', `/desk/tickets/${ticket.reference}/ask`, {}).expect(400);
      const asked = (await post('axel', `/desk/tickets/${ticket.reference}/ask`, { reason: 'Quel poste ?' }).expect(200)).body;
      expect(asked.status).toMatchObject({ key: 'pending', category: 'waiting' });
      expect(asked.history.at(-1)).toMatchObject({ type: 'transitioned', public: true, data: { transition: 'ask', comment: 'Quel poste ?' } });
      expect(await outbox(ticket.id, 'ticket.waiting')).toEqual([{ login: 'alice' }]);
      const answered = (await post('alice', `/tickets/${ticket.reference}/comments`, { body: 'Le poste 12' }).expect(201)).body;
      expect(answered.status.key).toBe('taken');
    });

    it('resolves with a solution and publishes it as a knowledge entry of the product', async () => {
      const ticket = await create('alice', 'mailbox', { title: 'Boîte pleine' });
      await post('axel', `/desk/tickets/${ticket.reference}/resolve`, { solution: '' }).expect(400);
      const res = (await post('axel', `/desk/tickets/${ticket.reference}/resolve`, { solution: 'Archiver les anciens messages.', publish: true, title: 'Boîte aux lettres pleine' }).expect(200)).body;
      expect(res.status.category).toBe('resolved');
      expect(res.knowledge).toMatchObject({ title: 'Boîte aux lettres pleine' });
      const node = (await t.http.get(`${API}/catalogue/mailbox`).set(auth('carla')).expect(200)).body;
      expect(node.faq).toEqual([expect.objectContaining({ id: res.knowledge.id, title: 'Boîte aux lettres pleine', body: 'Archiver les anciens messages.' })]);
      await t.http.delete(`${API}/desk/knowledge/${res.knowledge.id}`).set(auth('carla')).expect(403);
      await t.http.delete(`${API}/desk/knowledge/${res.knowledge.id}`).set(auth('axel')).expect(204);
      expect((await t.http.get(`${API}/catalogue/mailbox`).set(auth('carla')).expect(200)).body.faq).toEqual([]);
    });
  });

  describe('mass incidents', () => {
    it("resolves a parent's open children in one go, each requester told", async () => {
      const parent = await create('alice', 'wifi-down', { title: 'Panne ENT académique' });
      const children = [await create('alice', 'wifi-down', { title: 'ENT inaccessible' }), await create('carla', 'wifi-down', { title: 'ENT en panne au collège' })];
      const done = await create('alice', 'wifi-down', { title: 'Déjà réglé' });
      await post('root', `/desk/tickets/${done.reference}/resolve`, { solution: 'Réglé' }).expect(200);
      for (const child of children) await t.http.put(`${API}/desk/tickets/${child.reference}/parent`).set(auth('root')).send({ parent: parent.reference }).expect(200);
      const refused = await t.http.put(`${API}/desk/tickets/${done.reference}/parent`).set(auth('root')).send({ parent: parent.reference }).expect(409);
      expect(refused.body.code).toBe('TRANSITION_NOT_ALLOWED');
      const nested = await t.http.put(`${API}/desk/tickets/${parent.reference}/parent`).set(auth('root')).send({ parent: children[0].reference }).expect(400);
      expect(nested.body.details[0].field).toBe('parent');
      await t.http.put(`${API}/desk/tickets/${children[1].reference}/parent`).set(auth('nina')).send({ parent: parent.reference }).expect(404); // carla's goes to `schools`
      const before = await detail('root', parent.reference);
      expect((before.desk.children as { reference: string }[]).map((c) => c.reference)).toEqual(children.map((c) => c.reference));
      expect((await get('root', `/desk/queue?parent=${parent.reference}`).expect(200)).body.items.map((i: Ticket) => i.reference).sort()).toEqual(children.map((c) => c.reference).sort());

      await post('root', `/desk/tickets/${parent.reference}/resolve`, { solution: 'Le service ENT est rétabli.' }).expect(200);
      for (const child of children) {
        const seen = (await t.http.get(`${API}/tickets/${child.reference}`).set(auth(child === children[0] ? 'alice' : 'carla')).expect(200)).body;
        expect(seen).toMatchObject({ status: { category: 'resolved' }, solution: 'Le service ENT est rétabli.' });
        expect(seen.history.at(-1)).toMatchObject({ type: 'parent-resolved', data: { parent: parent.reference } });
        expect(await outbox(child.id, 'ticket.resolved')).toEqual([{ login: child === children[0] ? 'alice' : 'carla' }]);
      }
    });
  });

  describe('bulk actions', () => {
    it('gives a result per ticket, one refusal leaving the others done', async () => {
      const mine = [await create('alice', 'printer', { title: 'Lot 1' }), await create('alice', 'printer', { title: 'Lot 2' })];
      const other = await create('alice', 'mailbox', { title: 'Lot 3' });
      const res = (await post('nina', '/desk/bulk', { action: 'assign', person: 'nina', tickets: [mine[0].reference, other.reference, mine[1].reference] }).expect(207)).body; // 207: one ticket was refused (docs/decisions.md)
      expect(res.results).toEqual([
        { ticket: mine[0].reference, ok: true, reference: mine[0].reference, status: 'taken' },
        { ticket: other.reference, ok: false, httpStatus: 404, code: 'TICKET_NOT_FOUND', message: `Dossier introuvable : ${other.reference}.`, details: undefined },
        { ticket: mine[1].reference, ok: true, reference: mine[1].reference, status: 'taken' },
      ]);
      const requalified = (await post('nina', '/desk/bulk', { action: 'requalify', tickets: mine.map((x) => x.reference), requalify: { urgency: 'high', reason: 'Tout un étage' } }).expect(200)).body;
      expect(requalified.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
      const resolved = (await post('nina', '/desk/bulk', { action: 'resolve', tickets: [...mine.map((x) => x.reference), mine[0].reference], resolve: { solution: 'Toner changé' } }).expect(200)).body;
      expect(resolved.results.map((r: { ok: boolean; status: string }) => r.status)).toEqual(['resolved', 'resolved']);
      const noSolution = (await post('nina', '/desk/bulk', { action: 'resolve', tickets: [mine[0].reference], resolve: {} }).expect(400)).body;
      expect(noSolution.details[0].field).toBe('resolve.solution');
      await post('nina', '/desk/bulk', { action: 'resolve', tickets: [mine[0].reference] }).expect(400);
      const tooMany = (await post('nina', '/desk/bulk', { action: 'assign', person: 'nina', tickets: Array.from({ length: 101 }, (_, i) => `X-${i}`) }).expect(400)).body;
      expect(tooMany.details[0]).toMatchObject({ field: 'tickets', message: 'Au plus 100 éléments.' });
    });
  });

  it('answers an escalation that takes the ticket out of the agent’s sight with its outcome, not a 404', async () => {
    const printer = await create('alice', 'printer', { title: 'Imprimante en salle 12' });
    await post('nina', `/tickets/${printer.reference}/transitions`, { transition: 'take' }).expect(200);
    const res = await post('nina', `/tickets/${printer.reference}/transitions`, { transition: 'escalate', team: 'accounts' }).expect(200);
    expect(res.body).toEqual({ id: printer.id, reference: printer.reference, status: { key: 'escalated', category: 'open' }, visible: false });
    await get('nina', `/tickets/${printer.reference}`).expect(404);
    expect((await detail('axel', printer.reference)).team?.key).toBe('accounts');
  });
});
