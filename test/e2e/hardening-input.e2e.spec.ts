/**
 * Bad input is a 4xx naming the field, in the caller's language (French by default, English on
 * request), never a 500: NUL characters and lone surrogates anywhere in any route's path, query or
 * body (every route the Nest router knows is tried), JSON nested too deep, page numbers and
 * cursors PostgreSQL cannot read, `null` on optional fields, malformed cookies, a sign-in form
 * sent as another content type. Bulk desk actions say in their status when a ticket was refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const TENANT = 'sample';

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
}

interface Problem {
  field: string;
  rule: string;
  message: string;
}

const base64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('hardening: bad input is a 4xx naming the field, never a 500', () => {
  let t: TestApp;
  let routes: Route[];
  let token = '';
  let cookie = '';
  let csrf = '';
  let ref = '';
  const bearer = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    const app = t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
    // Every Nest route; Swagger UI's files are Express routes of their own, outside Nest.
    routes = app.router.stack
      .filter((layer) => layer.route && !layer.route.path.startsWith('/api/docs'))
      .flatMap((layer) => Object.keys(layer.route!.methods).filter((m) => m !== '_all').map((m) => ({ method: m as Route['method'], path: layer.route!.path })));
    token = await t.token(TENANT, 'admin', ['read', 'write', 'admin']);
    const signIn = await t.http.post(`/${TENANT}/auth/demo`).type('form').send({ login: 'admin' }).expect(303);
    cookie = String((signIn.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    csrf = /name="_csrf" value="([^"]+)"/.exec((await t.http.get(`/${TENANT}/`).set('Cookie', cookie).expect(200)).text)![1];
    ref = (await t.http.post(`/api/${TENANT}/tickets`).set(bearer()).send({ leaf: 'otp-order', values: { title: 'Clés', description: 'Deux clés', establishment: '9740049K' } }).expect(201)).body.reference;
  });
  afterAll(() => t?.close());

  /** The route with its parameters filled (the tenant, plain values), one of them possibly replaced. */
  function pathOf(route: Route, replace?: { param: string; value: string }): string {
    return route.path.replace(/:(\w+)|\*(\w+)/g, (_, name: string | undefined, rest: string | undefined) => {
      const param = name ?? rest!;
      if (replace?.param === param) return replace.value;
      return param === 'tenant' ? TENANT : 'x';
    });
  }

  function send(route: Route, path: string) {
    const req = t.http[route.method](path);
    return route.path.startsWith('/api/') ? req.set(bearer()) : req.set('Cookie', cookie);
  }

  /** The field problems of an answer: the API's `details`, or the fields listed on the portal's error page. */
  function problemsOf(res: { body: { details?: Problem[] }; text: string; headers: Record<string, string> }): { field: string; text: string }[] {
    if (String(res.headers['content-type']).includes('json')) return (res.body.details ?? []).map((d) => ({ field: d.field, text: `${d.rule} ${d.message}` }));
    return [...res.text.matchAll(/<li><code>([^<]*)<\/code> — ([^<]*)<\/li>/g)].map((m) => ({ field: m[1], text: m[2] }));
  }

  describe('NUL characters and lone surrogates, on every route', () => {
    it('lists the routes of the API, the portal, the plugins and the sign-in', () => {
      expect(routes.length).toBeGreaterThan(80);
      for (const path of ['/api/:tenant/tickets/:ref', '/:tenant/desk/bulk', '/:tenant/auth/oidc/callback', '/api/inbound-mail', '/:tenant/*rest']) expect(routes.map((r) => r.path)).toContain(path);
    });

    it('refuses a NUL in each path parameter of every route, naming the parameter', async () => {
      const failures: string[] = [];
      for (const route of routes) {
        for (const [, name, rest] of route.path.matchAll(/:(\w+)|\*(\w+)/g)) {
          const param = name ?? rest;
          const res = await send(route, pathOf(route, { param, value: param === 'tenant' ? 'sam%00ple' : 'a%00b' }));
          // A splat (`*rest`) is a list of segments: its problem is on `rest.0`.
          const named = problemsOf(res).some((p) => (p.field === param || p.field.startsWith(`${param}.`)) && /nul/i.test(p.text));
          if (res.status !== 400 || !named) failures.push(`${route.method.toUpperCase()} ${route.path} :${param} → ${res.status}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('refuses a NUL in the query of every route, naming the parameter', async () => {
      const failures: string[] = [];
      for (const route of routes) {
        const res = await send(route, `${pathOf(route)}?probe=a%00b`);
        if (res.status !== 400 || !problemsOf(res).some((p) => p.field === 'probe')) failures.push(`${route.method.toUpperCase()} ${route.path} → ${res.status}`);
      }
      expect(failures).toEqual([]);
    });

    it('refuses a NUL or a lone surrogate in the JSON body of every route that takes one, in a value or a key', async () => {
      const failures: string[] = [];
      const body = `{"_csrf":"${csrf}","probe":"a\\u0000b","values":{"title":"\\ud800 seul","k\\u0000":1}}`;
      for (const route of routes.filter((r) => r.method !== 'get')) {
        const res = await send(route, pathOf(route)).set('Content-Type', 'application/json').send(body);
        const fields = problemsOf(res).map((p) => p.field).sort();
        if (res.status !== 400 || JSON.stringify(fields) !== JSON.stringify(['probe', 'values.k\\u0000', 'values.title'])) failures.push(`${route.method.toUpperCase()} ${route.path} → ${res.status} ${fields.join(',')}`);
      }
      expect(failures).toEqual([]);
    });

    it('tells which rule, in French by default and in English on request', async () => {
      const fr = await t.http.post(`/api/${TENANT}/tickets`).set(bearer()).send({ leaf: 'otp-order', values: { title: 'a\u0000b', description: '\ud83d' } }).expect(400);
      expect(fr.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'La saisie contient 2 erreur(s).' });
      expect(fr.body.details).toEqual([
        { field: 'values.title', rule: 'nul', message: 'Ce champ contient un caractère nul (U+0000), refusé.' },
        { field: 'values.description', rule: 'unicode', message: 'Ce champ contient un texte Unicode mal formé (demi-paire de substitution UTF-16).' },
      ]);
      const en = await t.http.post(`/api/${TENANT}/tickets?lang=en`).set(bearer()).send({ leaf: 'otp-order', values: { title: 'a\u0000b' } }).expect(400);
      expect(en.body.details).toEqual([{ field: 'values.title', rule: 'nul', message: 'This field contains a NUL character (U+0000), which is refused.' }]);
      const english = await t.http.get(`/api/${TENANT}/tickets/a%00`).set(bearer()).set('Accept-Language', 'en-GB').expect(400);
      expect(english.body.message).toBe('The input has 1 error(s).');
      // A well-formed pair (an emoji) is no lone surrogate.
      await t.http.post(`/api/${TENANT}/tickets/${ref}/comments`).set(bearer()).send({ body: 'Merci 👍' }).expect(201);
    });

    it('answers a portal form with an error page naming the field, in the language of the portal', async () => {
      const form = await t.http.post(`/${TENANT}/tickets/${ref}/comment`).set('Cookie', cookie).type('form').send({ _csrf: csrf, body: 'a\u0000b' }).expect(400);
      expect(form.headers['content-type']).toContain('text/html');
      expect(problemsOf(form)).toEqual([{ field: 'body', text: 'Ce champ contient un caractère nul (U+0000), refusé.' }]);
      const multipart = await t.http.post(`/${TENANT}/new/otp-order`).set('Cookie', `${cookie}; guichet_lang=en`).field('_csrf', csrf).field('title', 'Clé\u0000').field('description', 'x').expect(400);
      expect(problemsOf(multipart)).toEqual([{ field: 'title', text: 'This field contains a NUL character (U+0000), which is refused.' }]);
      const search = await t.http.get(`/${TENANT}/tickets?q=otp%00`).set('Cookie', cookie).expect(400);
      expect(problemsOf(search)).toEqual([{ field: 'q', text: 'Ce champ contient un caractère nul (U+0000), refusé.' }]);
      // Nothing was written.
      const history = (await t.http.get(`/api/${TENANT}/tickets/${ref}`).set(bearer()).expect(200)).body.history as { type: string; data: { body?: string } }[];
      expect(history.filter((e) => e.type === 'commented').map((e) => e.data.body)).toEqual(['Merci 👍']);
    });
  });

  describe('nesting, numbers and cursors', () => {
    it('refuses JSON nested 5,000 deep, naming where it goes too deep', async () => {
      const deep = `{"leaf":"otp-order","values":{"title":"t","description":"d","extra":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
      const res = await t.http.post(`/api/${TENANT}/tickets`).set(bearer()).set('Content-Type', 'application/json').send(deep).expect(400);
      expect(res.body.details).toHaveLength(1);
      expect(res.body.details[0]).toMatchObject({ rule: 'depth', message: 'Structure trop imbriquée : au plus 32 niveaux.' });
      expect(res.body.details[0].field).toMatch(/^values\.extra(\.0)+$/);
      const portal = await t.http.post(`/${TENANT}/tickets/${ref}/comment`).set('Cookie', cookie).set('Content-Type', 'application/json').send(`{"_csrf":"${csrf}","body":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`).expect(400);
      expect(problemsOf(portal)[0].field).toMatch(/^body(\.a)+$/);
      // Thirty levels pass the check: the form answers about its own rule (no such field).
      const thirty = await t.http.post(`/api/${TENANT}/tickets`).set(bearer()).send({ leaf: 'otp-order', values: { title: 'Profond', description: 'd', establishment: '9740049K', extra: JSON.parse(`${'['.repeat(28)}${']'.repeat(28)}`) } }).expect(400);
      expect(thirty.body.details).toEqual([expect.objectContaining({ field: 'extra', rule: 'unknown' })]);
    });

    it('refuses a page number beyond what PostgreSQL reads, or not a number, naming the page', async () => {
      for (const page of ['1e30', '99999999999999999999', 'abc', '0', '-1', '2.5']) {
        const res = await t.http.get(`/api/${TENANT}/catalogue/search?q=otp&page=${page}`).set(bearer()).expect(400);
        expect(res.body.details.map((d: Problem) => d.field)).toEqual(['page']);
      }
      await t.http.get(`/api/${TENANT}/catalogue/search?q=otp&page=2`).set(bearer()).expect(200);
      for (const page of ['99999999999999999999999', 'abc', '1e3']) {
        const res = await t.http.get(`/${TENANT}/search?q=otp&page=${page}`).set('Cookie', cookie).expect(400);
        expect(res.text).toContain('Page invalide.');
      }
      await t.http.get(`/${TENANT}/search?q=otp&page=`).set('Cookie', cookie).expect(200);
    });

    it('refuses forged cursors whose values PostgreSQL would refuse, naming the cursor', async () => {
      const uuid = '00000000-0000-4000-8000-000000000000';
      const queue = [
        [false, 1, '1', uuid],
        [false, 2 ** 40, '2026-03-02T08:30:00.000Z', uuid],
        [false, 1, '2026-03-02T08:30:00.000Z', '------------------------------------'],
      ];
      for (const key of queue) {
        const res = await t.http.get(`/api/${TENANT}/desk/queue?cursor=${base64(key)}`).set(bearer()).expect(400);
        expect(res.body.details.map((d: Problem) => d.field)).toEqual(['cursor']);
      }
      await t.http.get(`/api/${TENANT}/desk/queue?cursor=${base64([false, 1, '2026-03-02T08:30:00.000Z', uuid])}`).set(bearer()).expect(200);
      for (const cursor of [`-271821-04-20T00:00:00.000Z|${uuid}`, `1|${uuid}`, `2026-03-02T08:30:00.000Z|------------------------------------`]) {
        const res = await t.http.get(`/api/${TENANT}/tickets?cursor=${base64(cursor)}`).set(bearer()).expect(400);
        expect(res.body.details.map((d: Problem) => d.field)).toEqual(['cursor']);
        await t.http.get(`/${TENANT}/tickets?cursor=${base64(cursor)}`).set('Cookie', cookie).expect(400);
      }
    });
  });

  describe('null on optional fields', () => {
    it('refuses null on the optional fields of actions, naming the field, and changes nothing', async () => {
      const cases: [string, string, object, string[]][] = [
        ['post', `/desk/tickets/${ref}/resolve`, { solution: 'Clés envoyées', publish: true, title: null }, ['title']],
        ['post', '/desk/bulk', { action: 'resolve', tickets: [ref], resolve: { solution: 'Clés envoyées', title: null } }, ['resolve.title']],
        ['post', `/desk/tickets/${ref}/reassign`, { team: 'network', reason: null }, ['reason']],
        ['post', `/desk/tickets/${ref}/requalify`, { reason: 'x', impact: null, reroute: null }, ['impact', 'reroute']],
        ['post', `/tickets/${ref}/transitions`, { transition: 'resolve', solution: 'x', comment: null }, ['comment']],
        ['post', `/tickets/${ref}/comments`, { body: 'x', private: null }, ['private']],
        ['post', '/tickets', { leaf: 'otp-order', values: null }, ['values']],
        ['post', '/tokens', { person: 'alice', name: 'x', scopes: ['read'], expiresAt: null }, ['expiresAt']],
      ];
      for (const [method, path, body, fields] of cases) {
        const res = await t.http[method as 'post'](`/api/${TENANT}${path}`).set(bearer()).send(body);
        expect({ path, status: res.status, fields: (res.body.details ?? []).map((d: Problem) => d.field) }).toEqual({ path, status: 400, fields });
        expect(res.body.details[0]).toMatchObject({ rule: 'null', message: 'La valeur null n’est pas acceptée : omettez ce champ ou donnez une valeur.' });
      }
      expect((await t.http.get(`/api/${TENANT}/tickets/${ref}`).set(bearer()).expect(200)).body.status.key).toBe('assigned');
      // A form value may still be null: the form reads it as empty.
      const empty = await t.http.post(`/api/${TENANT}/tickets`).set(bearer()).send({ leaf: 'otp-order', values: { title: null, description: 'd', establishment: '9740049K' } }).expect(400);
      expect(empty.body.details).toEqual([expect.objectContaining({ field: 'title', rule: 'required' })]);
    });
  });

  describe('cookies and content types', () => {
    it('reads a malformed cookie as no cookie: the page, never a 500', async () => {
      await t.http.get(`/${TENANT}/login`).set('Cookie', 'guichet_lang=%').expect(200);
      const signedOut = await t.http.get(`/${TENANT}/`).set('Cookie', 'guichet_session=%E0%A4%A').expect(303);
      expect(signedOut.headers.location).toBe(`/${TENANT}/login?next=${encodeURIComponent(`/${TENANT}/`)}`);
      const home = await t.http.get(`/${TENANT}/tickets`).set('Cookie', `${cookie}; guichet_lang=%; other=%zz`).expect(200);
      expect(home.text).toContain('<html lang="fr"');
    });

    it('answers a demo sign-in sent as another content type, or with no body, with a 400 naming the login', async () => {
      for (const req of [
        t.http.post(`/${TENANT}/auth/demo`).set('Content-Type', 'text/plain').send('login=alice'),
        t.http.post(`/${TENANT}/auth/demo`).set('Content-Type', 'application/xml').send('<login>alice</login>'),
        t.http.post(`/${TENANT}/auth/demo`),
        t.http.post(`/${TENANT}/auth/demo?lang=en`).send({ login: ['alice'] }),
      ]) {
        const res = await req;
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual([expect.objectContaining({ field: 'login', rule: 'required' })]);
      }
      await t.http.post(`/${TENANT}/auth/demo`).send({ login: 'alice' }).expect(303);
    });
  });

  describe('bulk desk actions', () => {
    it('answers 207 with each ticket’s result when one was refused, 200 when all were done', async () => {
      const create = async () => (await t.http.post(`/api/${TENANT}/tickets`).set(bearer()).send({ leaf: 'otp-order', values: { title: 'Lot', description: 'd', establishment: '9740049K' } }).expect(201)).body.reference as string;
      const [one, two] = [await create(), await create()];
      const mixed = await t.http.post(`/api/${TENANT}/desk/bulk`).set(bearer()).send({ action: 'assign', tickets: [one, 'R-999999'], person: 'agent' }).expect(207);
      expect(mixed.body.results).toEqual([
        { ticket: one, ok: true, reference: one, status: 'taken' },
        expect.objectContaining({ ticket: 'R-999999', ok: false, httpStatus: 404, code: 'TICKET_NOT_FOUND' }),
      ]);
      await t.http.post(`/api/${TENANT}/desk/bulk`).set(bearer()).send({ action: 'assign', tickets: ['R-999998'], person: 'agent' }).expect(207);
      await t.http.post(`/api/${TENANT}/desk/bulk`).set(bearer()).send({ action: 'assign', tickets: [two], person: 'agent' }).expect(200);
      const page = await t.http.post(`/${TENANT}/desk/bulk`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'resolve', tickets: [one, 'R-999999'], solution: 'Fait' }).expect(207);
      expect(page.text).toContain('R-999999');
      await t.http.post(`/${TENANT}/desk/bulk`).set('Cookie', cookie).type('form').send({ _csrf: csrf, action: 'resolve', tickets: [two], solution: 'Fait' }).expect(200);
    });
  });
});
