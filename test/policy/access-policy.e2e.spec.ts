import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TenantPack } from '../../src/tenancy/tenant-pack.js';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';

/**
 * Who sees and does what, pack by pack, as each academy's guide says, checked against the real
 * API. Roles: R requester, B beneficiary, P participant/contact, H head of the ticket's
 * establishment, C colleague (member of that establishment), A agent of the ticket's team,
 * D tenant administrator, S stranger. A cell lists the roles that are allowed; every other
 * role must be refused. Roles a pack has no place for (no beneficiary field, no participants)
 * are listed in `absent` and left out.
 *
 * Tickets are filed "au titre de l'établissement" / "visible par responsables" (the option that
 * grants heads or the establishment, when the pack has one). Views are checked with the ticket
 * in a status (and of a type) the view shows; transitions with the ticket in their first
 * `from` status.
 */
type Role = 'R' | 'B' | 'P' | 'H' | 'C' | 'A' | 'D' | 'S';
const ROLES: Role[] = ['R', 'B', 'P', 'H', 'C', 'A', 'D', 'S'];
const LOGIN: Record<Role, string> = { R: 'pt-requester', B: 'pt-beneficiary', P: 'pt-participant', H: 'pt-head', C: 'pt-colleague', A: 'pt-agent', D: 'pt-admin', S: 'pt-stranger' };

interface PackTable {
  absent: Role[];
  views: Record<string, string>;
  read: string;
  comment: string;
  attach: string;
  addParticipant: string;
  /** Transitions a person applies (listed in `you.transitions` and accepted). */
  transitions: Record<string, string>;
  /** Transitions a public comment applies by itself (`on: comment`). */
  onComment: Record<string, string>;
}

// CECOIA/CARIINA (guide 001): no visibility option, no participants; the beneficiary (a third
// person) follows and validates the ticket like the requester; the requester alone sees it
// under "Pour une tierce personne".
const CECOIA: PackTable = {
  absent: ['P'],
  views: {
    ouverts: 'R B', 'en-attente': 'R B', 'tierce-personne': 'R', clotures: 'R B',
    'services-ouverts': 'R B', 'services-en-attente': 'R B', 'services-tierce-personne': 'R', 'services-clotures': 'R B', validations: 'R B',
  },
  read: 'R B A D', comment: 'R B A D', attach: 'R B A D', addParticipant: '',
  transitions: {
    'prendre-en-charge': 'A D', 'demander-precisions': 'A D', reprendre: 'A D', resoudre: 'A D', annuler: 'A D',
    accepter: 'R B', refuser: 'R B', cloturer: 'R B', 'cloture-automatique': '',
  },
  onComment: { 'mise-a-jour-incident': 'R B', 'mise-a-jour-demande': 'R B' },
};

const TABLES: Record<string, PackTable> = {
  // FIL@OS (guide 000): "Moi uniquement" or "Mon établissement" (the head follows it); contacts
  // "en copie" see the ticket under "Partagés" but do not write in it; the requester closes
  // with 2 questions or reopens.
  'reunion-filaos': {
    absent: ['B'],
    views: { open: 'R', shared: 'P H', resolved: 'R', closed: 'R P H' },
    read: 'R P H A D', comment: 'R H A D', attach: 'R H A D', addParticipant: 'R A D',
    transitions: { dispatch: 'A D', redispatch: 'A D', take: 'A D', wait: 'A D', resume: 'A D', resolve: 'A D', close: 'R', reopen: 'R', 'auto-close': '' },
    onComment: { answer: 'R' },
  },
  // AMIGO Caen (guide 002): "au titre de l'établissement", the head "aura la possibilité de
  // suivre cette demande" (tab "Demandes de mon établissement"); no contacts, no beneficiary.
  'caen-amigo': {
    absent: ['B', 'P'],
    views: { 'mine-ongoing': 'R', 'mine-resolved': 'R', closed: 'R H', establishment: 'H' },
    read: 'R H A D', comment: 'R H A D', attach: 'R H A D', addParticipant: '',
    transitions: { take: 'A D', assign: 'A D', escalate: 'A D', ask: 'A D', resume: 'A D', resolve: 'A D', close: 'R', reopen: 'R', 'auto-close': '' },
    onComment: { answer: 'R' },
  },
  // AMIGO Rennes (guide 003): "Visible par: Responsables"; beneficiary; contacts added by the
  // desk see it under "Partagés", like the heads.
  'rennes-amigo': {
    absent: [],
    views: { open: 'R B', waiting: 'R B', 'for-others': 'R', 'shared-ongoing': 'P H', resolved: 'R B', closed: 'R B', 'shared-done': 'P H' },
    read: 'R B P H A D', comment: 'R B P H A D', attach: 'R B P H A D', addParticipant: 'A D',
    transitions: { take: 'A D', assign: 'A D', escalate: 'A D', ask: 'A D', hold: 'A D', resume: 'A D', resolve: 'A D', close: 'R B', reopen: 'R B', 'auto-close': '' },
    onComment: { answer: 'R B' },
  },
  'cecoia-creteil': CECOIA,
  'cecoia-rouen': CECOIA,
  'cecoia-versailles': CECOIA,
  // Kosmos (guide 004): requests are visible to the people of the establishment (filters "Créées
  // par moi", "Où je suis participant", "De mon établissement"); participants from the
  // establishment's allow-list read, comment and attach, and may add others.
  'kosmos-aura': {
    absent: ['B'],
    views: { all: 'R P H C', mine: 'R', participant: 'P', establishment: 'R H C' },
    read: 'R P H C A D', comment: 'R P H C A D', attach: 'R P H C A D', addParticipant: 'R P H C A D',
    transitions: { start: 'A D', 'ask-user': 'A D', 'to-authority': 'A D', resume: 'A D', close: 'A D', 'auto-close': '' },
    onComment: { answer: 'R P H C' },
  },
};

const roles = (cell: string) => new Set(cell.split(/\s+/).filter(Boolean) as Role[]);
const E1 = '0140096D';
const E2 = '9740049K';

describe('access policy, pack by pack (role × view × action)', () => {
  let t: TestApp;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: Object.keys(TABLES), seed: false });
  });
  afterAll(() => t?.close());

  it('has a table for every academy pack', () => {
    expect(t.core.registry.all().map((p) => p.id).sort()).toEqual(Object.keys(TABLES).sort());
  });

  for (const [tenant, table] of Object.entries(TABLES)) {
    describe(tenant, () => {
      let pack: TenantPack;
      const tickets = new Map<string, { id: string; reference: string }>();
      const present = ROLES.filter((r) => !table.absent.includes(r));
      const as = (role: Role) => ({ Authorization: `Bearer ${tokens.get(`${tenant}/${role}`)}` });

      /** Puts a ticket in a status, as the history would have (arranging data, not testing it). */
      async function move(ticket: { id: string }, status: string) {
        await t.core.deps.dataSource.query(`UPDATE ticket SET status = $3, status_category = $4, assignee_id = NULL WHERE tenant_id = $1 AND id = $2`, [tenant, ticket.id, status, pack.lifecycle.category(status)]);
      }

      beforeAll(async () => {
        pack = t.core.registry.get(tenant);
        const ctx = t.core.context(tenant);
        await t.core.directory.upsertEstablishments(ctx, [{ uai: E1, name: 'Établissement du dossier' }, { uai: E2, name: 'Autre établissement' }]);
        const e1 = (await t.core.directory.establishmentByUaiOrId(ctx, E1))!;
        const e2 = (await t.core.directory.establishmentByUaiOrId(ctx, E2))!;
        for (const role of ROLES) {
          const id = await t.core.directory.upsertPerson(ctx, { login: LOGIN[role], name: `Personne ${role}`, roles: role === 'A' ? ['agent'] : role === 'D' ? ['admin'] : [] });
          if ('RBHC'.includes(role)) await t.core.directory.setMembership(ctx, id, e1.id, role === 'H' ? ['member', 'head'] : ['member']);
          if ('PS'.includes(role)) await t.core.directory.setMembership(ctx, id, e2.id, ['member']);
          if (role === 'P') await t.core.directory.addToAllowList(ctx, e1.id, id);
          if (role === 'A') for (const team of pack.config.teams) await t.core.directory.addTeamMember(ctx, (await t.core.directory.teamByKey(ctx, team.key))!.id, id, false);
          tokens.set(`${tenant}/${role}`, (await t.core.tokens.mint(ctx, LOGIN[role], { name: 'policy', scopes: ['read', 'write'] })).token);
        }
        const extra = await t.core.directory.upsertPerson(ctx, { login: 'pt-extra', name: 'Personne ajoutée', roles: [] });
        await t.core.directory.setMembership(ctx, extra, e1.id, ['member']);
        // One ticket per type, filed by R for B, "au titre de l'établissement", with P as participant.
        for (const type of Object.keys(pack.config.ticketTypes)) {
          const leaf = pack.catalogue.find((c) => c.leaf && c.type === type);
          if (!leaf) continue;
          const form = (await t.http.get(`/api/${tenant}/catalogue/${leaf.key}/form`).set(as('R')).expect(200)).body;
          const values: Record<string, unknown> = {};
          for (const field of form.fields as { key: string; type: string; required: boolean; options?: { value: string }[] }[]) {
            const grant = field.key === 'visibility' ? pack.config.visibility?.options.find((o) => o.grants.length)?.value : undefined;
            const value = fill(field, grant);
            if (value !== undefined && (field.required || ['visibility', 'beneficiary', 'establishment'].includes(field.key))) values[field.key] = value;
          }
          const created = await t.http.post(`/api/${tenant}/tickets`).set(as('R')).send({ leaf: leaf.key, values });
          expect([created.status, created.body.details]).toEqual([201, undefined]);
          const participant = (await t.core.directory.personByLoginOrId(ctx, LOGIN.P))!;
          if (!table.absent.includes('P')) {
            await t.core.deps.dataSource.query(`INSERT INTO ticket_participant (tenant_id, ticket_id, person_id, created_at) VALUES ($1, $2, $3, now())`, [tenant, created.body.id, participant.id]);
          }
          tickets.set(type, { id: created.body.id, reference: created.body.reference });
        }
      });

      function fill(field: { key: string; type: string; options?: { value: string }[] }, grant?: string): unknown {
        if (field.key === 'visibility') return grant ?? field.options?.[0]?.value;
        if (field.key === 'beneficiary') return table.absent.includes('B') ? undefined : LOGIN.B;
        switch (field.type) {
          case 'establishment': return E1;
          case 'select': case 'radio': return field.options?.[0]?.value;
          case 'checkbox': return true;
          case 'phone': return '0102030405';
          case 'email': return 'personne@example.org';
          case 'url': return 'https://example.org/';
          case 'date': return '2026-03-01';
          case 'datetime': return '2026-03-01T08:00:00Z';
          case 'number': return 1;
          case 'person': return LOGIN.R;
          case 'people': return [];
          case 'attachments': return undefined;
          default: return 'Texte de test';
        }
      }

      const firstTicket = () => [...tickets.values()][0];

      it('lists the ticket in each view to those the guide shows it to', async () => {
        const seen: Record<string, string> = {};
        for (const view of pack.config.views) {
          const type = view.types?.[0] ?? [...tickets.keys()][0];
          const ticket = tickets.get(type)!;
          const statuses = view.statuses ?? (view.categories ? pack.lifecycle.statusesIn(view.categories) : [pack.lifecycle.status(pack.config.initialStatus).key]);
          await move(ticket, statuses[0]);
          const who: Role[] = [];
          for (const role of present) {
            const res = await t.http.get(`/api/${tenant}/tickets?view=${view.key}&limit=100`).set(as(role)).expect(200);
            if (res.body.items.some((i: { reference: string }) => i.reference === ticket.reference)) who.push(role);
          }
          seen[view.key] = who.join(' ');
        }
        expect(seen).toEqual(Object.fromEntries(Object.entries(table.views).map(([k, v]) => [k, [...roles(v)].filter((r) => present.includes(r)).sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b)).join(' ')])));
      });

      it('lets only those read, comment, attach and add participants', async () => {
        const ticket = firstTicket();
        await move(ticket, pack.config.ticketTypes[Object.keys(pack.config.ticketTypes)[0]].initialStatus ?? pack.config.initialStatus);
        const outcome: Record<string, string> = { read: '', comment: '', attach: '', addParticipant: '' };
        const add = (action: string, role: Role, ok: boolean) => {
          if (ok) outcome[action] = `${outcome[action]} ${role}`.trim();
        };
        for (const role of present) {
          const read = await t.http.get(`/api/${tenant}/tickets/${ticket.reference}`).set(as(role));
          add('read', role, read.status === 200);
          const comment = await t.http.post(`/api/${tenant}/tickets/${ticket.reference}/comments`).set(as(role)).send({ body: `Commentaire de ${role}` });
          add('comment', role, comment.status === 201);
          const attach = await t.http.post(`/api/${tenant}/tickets/${ticket.reference}/attachments`).set(as(role)).attach('file', Buffer.from('%PDF-1.4 test'), { filename: `piece-${role}.pdf`, contentType: 'application/pdf' });
          add('attach', role, attach.status === 201);
          const participant = await t.http.post(`/api/${tenant}/tickets/${ticket.reference}/participants`).set(as(role)).send({ person: 'pt-extra' });
          add('addParticipant', role, participant.status === 201);
          // Refusals never leak: whoever may not read gets 404 on every action, not 403.
          if (read.status !== 200) expect([comment.status, attach.status, participant.status]).toEqual([404, 404, 404]);
        }
        const expected = Object.fromEntries(['read', 'comment', 'attach', 'addParticipant'].map((a) => [a, present.filter((r) => roles(table[a as 'read']).has(r)).join(' ')]));
        expect(outcome).toEqual(expected);
      });

      it("offers and accepts each transition only to those the pack's guide names", async () => {
        const offered: Record<string, string> = {};
        const applied: Record<string, string> = {};
        for (const transition of pack.config.transitions.filter((tr) => tr.on !== 'comment')) {
          const type = transition.types?.[0] ?? [...tickets.keys()][0];
          const ticket = tickets.get(type)!;
          const from = Array.isArray(transition.from) ? transition.from[0] : transition.from === '*' ? pack.config.initialStatus : transition.from;
          await move(ticket, from);
          const who: Role[] = [];
          for (const role of present) {
            const read = await t.http.get(`/api/${tenant}/tickets/${ticket.reference}`).set(as(role));
            if (read.status === 200 && read.body.you.transitions.some((x: { name: string }) => x.name === transition.name)) who.push(role);
          }
          offered[transition.name] = who.join(' ');
          // Applying it: refused (409, or 404 for who cannot see) to everyone else, accepted for the first allowed role.
          const body = await inputFor(transition, ticket);
          const done: Role[] = [];
          for (const role of [...present.filter((r) => !who.includes(r)), ...who.slice(0, 1)]) {
            const res = await t.http.post(`/api/${tenant}/tickets/${ticket.reference}/transitions`).set(as(role)).send(body);
            if (res.status === 200) done.push(role);
            else expect([409, 404]).toContain(res.status);
          }
          applied[transition.name] = done.join(' ');
        }
        const expected = Object.fromEntries(Object.entries(table.transitions).map(([k, v]) => [k, present.filter((r) => roles(v).has(r)).join(' ')]));
        expect(offered).toEqual(expected);
        expect(applied).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.split(' ')[0] ?? ''])));
      });

      it('moves the ticket on a public comment only for those the pack names', async () => {
        const moved: Record<string, string> = {};
        for (const transition of pack.config.transitions.filter((tr) => tr.on === 'comment')) {
          const type = transition.types?.[0] ?? [...tickets.keys()][0];
          const ticket = tickets.get(type)!;
          const from = Array.isArray(transition.from) ? transition.from[0] : transition.from;
          const who: Role[] = [];
          for (const role of present) {
            await move(ticket, from as string);
            await t.http.post(`/api/${tenant}/tickets/${ticket.reference}/comments`).set(as(role)).send({ body: `Réponse de ${role}` });
            const [row] = await t.core.deps.dataSource.query(`SELECT status FROM ticket WHERE tenant_id = $1 AND id = $2`, [tenant, ticket.id]);
            if (row.status === transition.to) who.push(role);
          }
          moved[transition.name] = who.join(' ');
        }
        expect(moved).toEqual(Object.fromEntries(Object.entries(table.onComment).map(([k, v]) => [k, present.filter((r) => roles(v).has(r)).join(' ')])));
      });

      async function inputFor(transition: TenantPack['config']['transitions'][number], ticket: { id: string }) {
        const body: Record<string, unknown> = { transition: transition.name };
        if (transition.requires.includes('comment')) body.comment = 'Un commentaire';
        if (transition.requires.includes('solution')) body.solution = 'Une solution';
        if (transition.requires.includes('team')) {
          const [row] = await t.core.deps.dataSource.query(`SELECT team_id FROM ticket WHERE tenant_id = $1 AND id = $2`, [tenant, ticket.id]);
          const current = (await t.core.directory.teamsByIds(t.core.context(tenant), [row.team_id]))[0]?.key;
          body.team = pack.config.teams.find((team) => team.key !== current)!.key;
        }
        if (transition.requires.includes('rating') && transition.survey) {
          body.ratings = Object.fromEntries(pack.config.surveys[transition.survey].questions.map((q) => [q.key, q.max]));
        }
        return body;
      }
    });
  }
});
