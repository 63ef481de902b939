/**
 * The administration API of a tenant (`/api/{tenant}/admin/...`): people, roles, memberships,
 * teams and their leads, establishments with their UAI checked, and the append-only audit log,
 * listed and exported. Only for a token with the `admin` scope of a person with the `admin` role.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apiClient } from '../setup/api-client.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('administration API', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof apiClient>>;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.core.deps.dataSource.query(text, params) as Promise<T[]>;
  const audit = async (action: string) => (await admin.get(`admin/audit?action=${action}`).expect(200)).body.items;

  beforeAll(async () => {
    t = await startTestApp({ tenants: ['sample'] });
    admin = await apiClient(t, 'sample', 'admin', ['read', 'write', 'admin']);
  });
  afterAll(() => t?.close());

  it('is for administrators only: 401 without a token, 403 without the admin scope or the admin role', async () => {
    await t.http.get('/api/sample/admin/people').expect(401);
    const adminWithoutScope = await apiClient(t, 'sample', 'admin');
    await adminWithoutScope.get('admin/people').expect(403);
    const agentWithScope = await apiClient(t, 'sample', 'agent', ['read', 'write', 'admin']);
    await agentWithScope.get('admin/people').expect(403);
    await agentWithScope.put('admin/teams/desk/members/agent', { lead: true }).expect(403);
  });

  it('searches people by name without accents, login or e-mail, by role and state, a page at a time', async () => {
    const found = (await admin.get('admin/people?q=chloe').expect(200)).body;
    expect(found).toMatchObject({ total: 1, page: 1, pageSize: 20, items: [{ login: 'chloe', name: 'Chloé Leroy', active: true }] });
    expect((await admin.get('admin/people?role=agent').expect(200)).body.items.map((p: { login: string }) => p.login).sort()).toEqual(['admin', 'agent']);
    const page = (await admin.get('admin/people?pageSize=2&page=2').expect(200)).body;
    expect(page.items).toHaveLength(2);
    expect(page.total).toBe(5);
    const bad = await admin.get('admin/people?pageSize=1000&active=maybe&lang=en').expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['active', 'pageSize']);
    expect((await admin.get('admin/people/alice').expect(200)).body).toMatchObject({ login: 'alice', establishments: [{ uai: '9740049K', head: false }], teams: [], tickets: expect.any(Number) });
    await admin.get('admin/people/nobody').expect(404);
  });

  it('creates a person, refusing bad fields one by one in the caller\'s language, and audits it', async () => {
    const bad = await admin.post('admin/people?lang=en', { login: 'integration:pirate', name: ' ', email: 'nope', roles: ['boss'], locale: 'de' }).expect(400);
    expect(Object.fromEntries(bad.body.details.map((d: { field: string; message: string }) => [d.field, d.message]))).toEqual({
      login: expect.stringContaining('"integration:" logins are reserved'),
      name: 'This field is required.',
      email: expect.stringMatching(/e-mail/i),
      roles: expect.any(String),
      locale: expect.any(String),
    });
    const created = await admin.post('admin/people', { login: 'dmoreau', name: 'Denis Moreau', email: 'denis@example.org', roles: ['agent'] }).expect(201);
    expect(created.body).toMatchObject({ login: 'dmoreau', name: 'Denis Moreau', roles: ['agent'], active: true, establishments: [], tickets: 0 });
    const taken = await admin.post('admin/people', { login: 'dmoreau', name: 'Autre' }).expect(400);
    expect(taken.body.details).toEqual([expect.objectContaining({ field: 'login', message: 'Cette valeur est déjà utilisée.' })]);
    const [entry] = await audit('person.created');
    expect(entry).toMatchObject({ actor: 'admin', target: { type: 'person', key: 'dmoreau' }, before: null, after: { name: 'Denis Moreau', roles: ['agent'], active: true } });

    await admin.patch('admin/people/dmoreau', { title: 'Technicien', email: '' }).expect(200);
    const [updated] = await audit('person.updated');
    expect(updated).toMatchObject({ before: { title: null, email: 'denis@example.org' }, after: { title: 'Technicien', email: null } });
    await admin.patch('admin/people/dmoreau', {}).expect(400);
  });

  it('sets roles, and never leaves the tenant without an active administrator', async () => {
    await admin.put('admin/people/dmoreau/roles', { roles: ['agent', 'admin'] }).expect(200);
    expect((await audit('person.roles-changed'))[0]).toMatchObject({ before: { roles: ['agent'] }, after: { roles: ['admin', 'agent'] } });
    await admin.put('admin/people/dmoreau/roles', { roles: ['agent'] }).expect(200);
    const last = await admin.put('admin/people/admin/roles', { roles: ['agent'] }).expect(409);
    expect(last.body).toMatchObject({ code: 'LAST_ADMIN', message: 'admin est le dernier administrateur actif : nommez-en un autre avant.' });
    await admin.post('admin/people/admin/deactivate').expect(409);
    await admin.put('admin/people/dmoreau/roles', { roles: ['root'] }).expect(400);
  });

  it('deactivates a person: no sign-in, no token, no session; their tickets stay; reactivation restores them', async () => {
    const alice = await apiClient(t, 'sample', 'alice');
    const [ticket] = (await alice.get('tickets?view=open').expect(200)).body.items;
    const signIn = await t.http.post('/sample/auth/demo').type('form').send({ login: 'alice' }).expect(303);
    const cookie = String((signIn.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    await t.http.get('/sample/tickets').set('Cookie', cookie).expect(200);

    const res = await admin.post('admin/people/alice/deactivate').expect(200);
    expect(res.body).toMatchObject({ login: 'alice', active: false, establishments: [{ uai: '9740049K' }] });
    await alice.get('tickets?view=open').expect(401);
    expect((await t.http.get('/sample/tickets').set('Cookie', cookie)).status).toBe(303);
    const refused = await t.http.post('/sample/auth/demo').set('Accept', 'application/json').type('form').send({ login: 'alice' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const agent = await apiClient(t, 'sample', 'agent');
    expect((await agent.get(`desk/tickets/${ticket.reference}`).expect(200)).body.requester).toMatchObject({ login: 'alice' });
    expect((await admin.get('admin/people?active=false').expect(200)).body.items.map((p: { login: string }) => p.login)).toEqual(['alice']);
    expect((await audit('person.deactivated'))[0]).toMatchObject({ target: { key: 'alice' }, before: { active: true }, after: { active: false } });

    await admin.post('admin/people/alice/reactivate').expect(200);
    await alice.get('tickets?view=open').expect(200);
  });

  it('makes a person a member or head of an establishment, checking the UAI', async () => {
    const head = await admin.put('admin/people/chloe/establishments/9740049k', { head: true }).expect(200);
    expect(head.body.establishments).toEqual(expect.arrayContaining([{ uai: '9740049K', name: 'Lycée de démonstration', head: true }]));
    expect((await audit('membership.set'))[0]).toMatchObject({ target: { key: 'chloe' }, before: null, after: { uai: '9740049K', roles: ['member', 'head'] } });
    await admin.put('admin/people/chloe/establishments/9740049K', { head: false }).expect(200);
    expect((await audit('membership.set'))[0]).toMatchObject({ before: { roles: ['member', 'head'] }, after: { roles: ['member'] } });
    await admin.put('admin/people/chloe/establishments/9740049A', {}).expect(404);
    await admin.delete('admin/people/chloe/establishments/9740049K').expect(200);
    await admin.delete('admin/people/chloe/establishments/9740049K').expect(404);
    expect((await audit('membership.removed'))[0]).toMatchObject({ before: { uai: '9740049K', roles: ['member'] }, after: null });
  });

  it("manages teams' members and leads; only agents join a team, and the desk sees the change", async () => {
    const teams = (await admin.get('admin/teams').expect(200)).body;
    expect(teams).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'network', active: true, members: 1 })]));
    const members = (await admin.put('admin/teams/network/members/agent', { lead: true }).expect(200)).body;
    expect(members).toEqual(expect.arrayContaining([{ login: 'agent', name: 'Agathe Durand', active: true, lead: true }]));
    expect((await audit('team-member.set'))[0]).toMatchObject({ target: { type: 'team', key: 'network' }, before: null, after: { login: 'agent', lead: true } });
    const agent = await apiClient(t, 'sample', 'agent');
    expect((await agent.get('desk/teams').expect(200)).body.find((x: { key: string }) => x.key === 'network')).toMatchObject({ mine: true });
    const notAgent = await admin.put('admin/teams/network/members/alice', {}).expect(400);
    expect(notAgent.body.details).toEqual([expect.objectContaining({ field: 'login', message: 'Seul un agent (ou un administrateur) peut être membre d’une équipe.' })]);
    await admin.put('admin/teams/nowhere/members/agent', {}).expect(404);
    await admin.put('admin/teams/network/members/agent', { lead: 'yes' }).expect(400);
    await admin.delete('admin/teams/network/members/agent').expect(200);
    await admin.delete('admin/teams/network/members/agent').expect(404);
    expect((await audit('team-member.removed'))[0]).toMatchObject({ before: { login: 'agent', lead: true } });
  });

  it('creates and edits establishments, with the UAI check letter', async () => {
    const wrong = await admin.post('admin/establishments', { uai: '0140096A', name: 'Lycée Malherbe' }).expect(400);
    expect(wrong.body.details).toEqual([expect.objectContaining({ field: 'uai', message: 'Code UAI invalide (lettre de contrôle attendue : D).' })]);
    const shape = await admin.post('admin/establishments?lang=en', { uai: '14ABC', name: '' }).expect(400);
    expect(shape.body.details.map((d: { field: string }) => d.field)).toEqual(['uai', 'name']);
    await admin.post('admin/establishments', { uai: '0140096D', name: 'Déjà là' }).expect(400);
    const created = await admin.post('admin/establishments', { uai: ' 0141273h ', name: 'Lycée Malherbe', kind: 'LYC', city: 'Caen' }).expect(201);
    expect(created.body).toEqual({ uai: '0141273H', name: 'Lycée Malherbe', kind: 'LYC', city: 'Caen' });
    await admin.patch('admin/establishments/0141273H', { city: 'Caen Cedex' }).expect(200);
    expect((await audit('establishment.updated'))[0]).toMatchObject({ target: { type: 'establishment', key: '0141273H' }, before: { city: 'Caen' }, after: { city: 'Caen Cedex' } });
    expect((await admin.get('admin/establishments?q=malherbe').expect(200)).body).toMatchObject({ total: 1, items: [{ uai: '0141273H', people: 0 }] });
    await admin.patch('admin/establishments/0140096A', { name: 'x' }).expect(404);
  });

  it('keeps an append-only log, paged newest first, exported as CSV', async () => {
    const first = (await admin.get('admin/audit?limit=3').expect(200)).body;
    expect(first.items).toHaveLength(3);
    const second = (await admin.get(`admin/audit?limit=3&cursor=${first.next}`).expect(200)).body;
    expect(Number(second.items[0].id)).toBeLessThan(Number(first.items[2].id));
    await admin.patch('admin/people/dmoreau', { name: '=HYPERLINK("http://evil")' }).expect(200);
    const csv = await admin.get('admin/audit/export?targetType=person&target=dmoreau').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,action,target_type,target,before,after');
    expect(lines[1]).toMatch(/^\d+,20\d\d-[^,]+,admin,person\.created,person,dmoreau,,"\{.*""login"":""dmoreau""/);
    expect(lines.at(-1)).toContain('""name"":""=HYPERLINK(\\""http://evil\\"")""');
    await expect(sql(`UPDATE admin_audit SET actor_login = 'pirate' WHERE tenant_id = 'sample'`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM admin_audit WHERE tenant_id = 'sample'`)).rejects.toThrow(/append-only/);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.http.get('/api/docs/openapi.json').expect(200)).body;
    for (const path of ['/api/{tenant}/admin/people', '/api/{tenant}/admin/people/{login}/deactivate', '/api/{tenant}/admin/teams/{team}/members/{login}', '/api/{tenant}/admin/establishments', '/api/{tenant}/admin/audit/export']) {
      expect(doc.paths[path]).toBeDefined();
    }
  });
});
