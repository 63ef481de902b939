import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('tickets over HTTP (sample pack)', () => {
  let t: TestApp;
  let alice: string;
  let agent: string;
  let chloe: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    [alice, agent, chloe] = await Promise.all([t.token('sample', 'alice'), t.token('sample', 'agent'), t.token('sample', 'chloe')]);
  });
  afterAll(() => t?.close());

  function create(values: Record<string, unknown> = {}, leaf = 'otp-order', token = alice) {
    return t.http
      .post('/api/sample/tickets')
      .set(auth(token))
      .send({ leaf, values: { title: 'Deux clés OTP', description: 'Pour la gestionnaire', ...values } });
  }

  it('answers health', async () => {
    await t.http.get('/health').expect(200, { status: 'ok' });
  });

  it('creates a ticket with the pack reference, team, priority and acknowledgement', async () => {
    const res = await create({ urgency: 'high', impact: 'establishment', phone: '02 31 00 00 00' }).expect(201);
    expect(res.body.reference).toMatch(/^R-\d{6}$/);
    expect(res.body.acknowledgement).toBe(`Votre dossier a bien été enregistré, il porte la référence : ${res.body.reference}`);
    expect(res.body.status).toEqual({ key: 'assigned', label: 'Affectée', category: 'new' });
    expect(res.body.team).toEqual({ key: 'desk', name: "Plateforme d'assistance" });
    expect(res.body.priority.key).toBe('p1');
    expect(res.body.establishment).toEqual({ uai: '9740049K', name: 'Lycée de démonstration' });
    expect(res.body.fields).toEqual({ phone: '02 31 00 00 00', channel: 'portal' }); // channel: the pack's default
    expect(res.body.history.map((e: { type: string }) => e.type)).toEqual(['created']);
  });

  it('rejects bad input with a message per field, in French by default and in English on request', async () => {
    const res = await t.http
      .post('/api/sample/tickets')
      .set(auth(alice))
      .send({ leaf: 'otp-order', values: { title: '', urgency: 'someday', establishment: '0140096D', nope: 1 } })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const byField = Object.fromEntries(res.body.details.map((d: { field: string; message: string }) => [d.field, d.message]));
    expect(byField).toEqual({
      nope: "Ce champ n'existe pas dans ce formulaire.",
      title: 'Ce champ est obligatoire.',
      description: 'Ce champ est obligatoire.',
      urgency: 'Choisissez une des valeurs proposées.',
      establishment: 'Choisissez un de vos établissements.',
    });
    const en = await t.http.post('/api/sample/tickets').set(auth(alice)).set('Accept-Language', 'en').send({ leaf: 'network', values: {} }).expect(400);
    expect(en.body.details).toEqual([{ field: 'leaf', rule: 'leaf', message: 'Choose a product (a leaf of the catalogue).' }]);
    const shape = await t.http.post('/api/sample/tickets').set(auth(alice)).send({ values: 'x' }).expect(400);
    expect(shape.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['leaf', 'values']);
  });

  it('requires leaf fields and keeps nothing of a refused ticket', async () => {
    const before = await t.http.get('/api/sample/tickets?view=open').set(auth(alice)).expect(200);
    const res = await create({}, 'wifi-down').expect(400);
    expect(res.body.details).toEqual([{ field: 'building', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const after = await t.http.get('/api/sample/tickets?view=open').set(auth(alice)).expect(200);
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it('answers 401 without a token, 404 for an unknown tenant or a ticket of nobody you know', async () => {
    await t.http.get('/api/sample/tickets').expect(401);
    await t.http.get('/api/sample/tickets').set(auth('gch_wrong')).expect(401);
    await t.http.get('/api/nowhere/tickets').set(auth(alice)).expect(404);
    const mine = await create().expect(201);
    const res = await t.http.get(`/api/sample/tickets/${mine.body.reference}`).set(auth(chloe)).expect(404);
    expect(res.body.code).toBe('TICKET_NOT_FOUND');
    await t.http.get(`/api/sample/tickets/${mine.body.id}`).set(auth(alice)).expect(200);
  });

  it('runs the lifecycle: take, ask, answer by comment, resolve, close with the survey', async () => {
    const { body: created } = await create().expect(201);
    const ref = created.reference;
    const refused = await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(alice)).send({ transition: 'resolve', solution: 'x' }).expect(409);
    expect(refused.body.code).toBe('TRANSITION_NOT_ALLOWED');
    expect(refused.body.details.allowed).toEqual([]);
    await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(agent)).send({ transition: 'take' }).expect(200);
    const asked = await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(agent)).send({ transition: 'ask' }).expect(400);
    expect(asked.body.details[0].field).toBe('comment');
    await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(agent)).send({ transition: 'ask', comment: 'Quel bureau ?' }).expect(200);
    const answered = await t.http.post(`/api/sample/tickets/${ref}/comments`).set(auth(alice)).send({ body: 'Bureau 422' }).expect(201);
    expect(answered.body.status.key).toBe('taken');
    await t.http.post(`/api/sample/tickets/${ref}/comments`).set(auth(agent)).send({ body: 'note interne', private: true }).expect(201);
    const resolved = await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(agent)).send({ transition: 'resolve', solution: 'Clés envoyées' }).expect(200);
    expect(resolved.body.status.category).toBe('resolved');
    const mine = await t.http.get(`/api/sample/tickets/${ref}`).set(auth(alice)).expect(200);
    expect(mine.body.you.transitions.map((x: { name: string }) => x.name)).toEqual(['close', 'reopen']);
    expect(mine.body.history.map((e: { type: string }) => e.type)).not.toContain('noted');
    const badRating = await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(alice)).send({ transition: 'close', ratings: { delay: 9 } }).expect(400);
    expect(badRating.body.details.map((d: { field: string }) => d.field)).toEqual(['ratings.delay', 'ratings.quality']);
    const closed = await t.http.post(`/api/sample/tickets/${ref}/transitions`).set(auth(alice)).send({ transition: 'close', ratings: { delay: 5, quality: 4 } }).expect(200);
    expect(closed.body.status).toEqual({ key: 'closed', label: 'Fermée', category: 'closed' });
    expect(closed.body.closedAt).toBeTruthy();
    const agentView = await t.http.get(`/api/sample/tickets/${ref}`).set(auth(agent)).expect(200);
    expect(agentView.body.history.map((e: { type: string }) => e.type)).toEqual(['created', 'routed', 'transitioned', 'transitioned', 'commented', 'transitioned', 'noted', 'transitioned', 'transitioned']);
    const outbox = await t.core.deps.dataSource.query(`SELECT topic FROM outbox WHERE ticket_id = $1 ORDER BY created_at, topic`, [created.id]);
    expect(outbox.map((r: { topic: string }) => r.topic)).toEqual(expect.arrayContaining(['ticket.created', 'ticket.waiting', 'ticket.commented', 'ticket.resolved']));
  });

  it('lets an agent give the ticket to an agent, and nobody else', async () => {
    const { body } = await create().expect(201);
    await t.http.post(`/api/sample/tickets/${body.reference}/assignee`).set(auth(alice)).send({ person: 'agent' }).expect(403);
    const bad = await t.http.post(`/api/sample/tickets/${body.reference}/assignee`).set(auth(agent)).send({ person: 'alice' }).expect(400);
    expect(bad.body.details[0].field).toBe('person');
    const res = await t.http.post(`/api/sample/tickets/${body.reference}/assignee`).set(auth(agent)).send({ person: 'admin' }).expect(200);
    expect(res.body.assignee).toMatchObject({ login: 'admin', name: 'Adrien Moreau' });
    expect(res.body.history.at(-1)).toMatchObject({ type: 'assigned', data: { person: 'admin' } });
  });

  it('lets the requester edit the description only while the pack allows it', async () => {
    const { body } = await create().expect(201);
    const edited = await t.http.patch(`/api/sample/tickets/${body.reference}`).set(auth(alice)).send({ values: { description: 'Trois clés finalement' } }).expect(200);
    expect(edited.body.description).toBe('Trois clés finalement');
    await t.http.post(`/api/sample/tickets/${body.reference}/transitions`).set(auth(agent)).send({ transition: 'take' }).expect(200);
    const refused = await t.http.patch(`/api/sample/tickets/${body.reference}`).set(auth(alice)).send({ values: { description: 'Encore' } }).expect(400);
    expect(refused.body.details[0]).toMatchObject({ field: 'description', rule: 'editable' });
  });

  it('shares with contacts, who see it under the shared view, and lets the head follow establishment tickets', async () => {
    const { body } = await create({ contacts: ['chloe'], visibility: 'establishment' }).expect(201);
    const shared = await t.http.get('/api/sample/tickets?view=shared').set(auth(chloe)).expect(200);
    expect(shared.body.items.map((i: { reference: string }) => i.reference)).toContain(body.reference);
    const bruno = await t.token('sample', 'bruno');
    const head = await t.http.get('/api/sample/tickets?view=shared').set(auth(bruno)).expect(200);
    expect(head.body.items.map((i: { reference: string }) => i.reference)).toContain(body.reference);
    const personal = await create({ visibility: 'personal' }).expect(201);
    await t.http.get(`/api/sample/tickets/${personal.body.reference}`).set(auth(bruno)).expect(404);
    const views = await t.http.get('/api/sample/views').set(auth(chloe)).expect(200);
    expect(views.body.find((v: { key: string }) => v.key === 'shared').count).toBeGreaterThan(0);
  });

  it('pages views with a cursor, newest first', async () => {
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1000);
      await create({ title: `Page ${i}` }).expect(201);
    }
    const first = await t.http.get('/api/sample/tickets?view=open&limit=2').set(auth(alice)).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].title).toBe('Page 2');
    const second = await t.http.get(`/api/sample/tickets?view=open&limit=2&cursor=${first.body.nextCursor}`).set(auth(alice)).expect(200);
    expect(second.body.items[0].title).toBe('Page 0');
    await t.http.get('/api/sample/tickets?view=open&cursor=zzz').set(auth(alice)).expect(400);
    await t.http.get('/api/sample/tickets?view=nope').set(auth(alice)).expect(404);
  });

  it('stores attachments within the limit and serves them back to those who see the ticket', async () => {
    const { body } = await create().expect(201);
    const up = await t.http.post(`/api/sample/tickets/${body.reference}/attachments`).set(auth(alice)).attach('file', Buffer.from('capture'), 'écran.png').expect(201);
    expect(up.body).toMatchObject({ fileName: 'écran.png', size: 7 });
    const down = await t.http.get(up.body.url).set(auth(alice)).buffer(true).expect(200);
    expect(Buffer.from(down.body).toString()).toBe('capture');
    await t.http.get(up.body.url).set(auth(chloe)).expect(404);
    const big = await t.http.post(`/api/sample/tickets/${body.reference}/attachments`).set(auth(alice)).attach('file', Buffer.alloc(1_000_001), 'big.bin').expect(413);
    expect(big.body.details[0]).toMatchObject({ field: 'file', message: 'Fichier trop volumineux : 1 Mo au maximum.' });
  });

  it('searches the catalogue in PostgreSQL, accent- and case-insensitive, by prefix, ranked', async () => {
    const res = await t.http.get('/api/sample/catalogue/search?q=OTP').set(auth(alice)).expect(200);
    expect(res.body.items.map((i: { key: string }) => i.key).sort()).toEqual(['otp-order', 'otp-problem']);
    expect(res.body.items[0].path.map((p: { level: string }) => p.level)).toEqual(['Domaine', 'Famille de produit', 'Produit']);
    const accents = await t.http.get('/api/sample/catalogue/search?q=cle').set(auth(alice)).expect(200);
    expect(accents.body.items.map((i: { key: string }) => i.key)).toContain('otp-order');
    const prefix = await t.http.get('/api/sample/catalogue/search?q=passw').set(auth(alice)).expect(200);
    expect(prefix.body.items.map((i: { key: string }) => i.key)).toEqual(['password-lost']);
    const short = await t.http.get('/api/sample/catalogue/search?q=ot').set(auth(alice)).expect(400);
    expect(short.body.details[0]).toMatchObject({ field: 'q', message: 'Saisissez au moins 3 caractères.' });
  });

  it('gives the tree and the form of a leaf', async () => {
    const tree = await t.http.get('/api/sample/catalogue').set(auth(alice)).expect(200);
    expect(tree.body.nodes.map((n: { key: string }) => n.key)).toEqual(['access', 'network']);
    const form = await t.http.get('/api/sample/catalogue/wifi-down/form?lang=en').set(auth(alice)).expect(200);
    expect(form.body.fields.map((f: { key: string }) => f.key)).toContain('building');
    expect(form.body.fields.find((f: { key: string }) => f.key === 'urgency').options.map((o: { label: string }) => o.label)).toEqual(['low', 'medium', 'high']);
    expect(form.body.attachments).toEqual({ maxBytes: 1_000_000, maxFiles: 3 });
  });

  it('answers malformed requests in the caller language, naming the field', async () => {
    const json = await t.http.post('/api/sample/tickets').set(auth(alice)).set('Content-Type', 'application/json').send('{"leaf": ').expect(400);
    expect(json.body).toMatchObject({ code: 'INVALID_JSON', message: 'Le corps de la requête n’est pas du JSON valide.' });
    const limit = await t.http.get('/api/sample/tickets?view=open&limit=500').set(auth(alice)).expect(400);
    expect(limit.body.details).toEqual([{ field: 'limit', rule: 'max', message: 'Au plus 100.' }]);
    const people = await t.http.get('/api/sample/people?q=al&establishment=0000000A').set(auth(alice)).set('Accept-Language', 'en').expect(400);
    expect(people.body.details).toEqual([{ field: 'establishment', rule: 'establishment', message: 'Choose one of your establishments.' }]);
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.http.get('/api/docs/openapi.json').expect(200);
    expect(Object.keys(res.body.paths)).toContain('/api/{tenant}/tickets/{ref}/transitions');
  });
});
