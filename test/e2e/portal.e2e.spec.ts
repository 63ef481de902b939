/**
 * The portal over HTTP (no browser): static files from the packages, the pack's theme and logo,
 * sign-in redirects, HTML error pages, CSRF on forms, the language switch and the JSON answers of
 * the portal's script. Runs on a copy of the fixture packs whose `sample` pack has a theme.
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FIXTURE_PACKS, startTestApp, type TestApp } from '../setup/test-app.js';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

describe('portal over HTTP', () => {
  let t: TestApp;
  let packs: string;
  let cookie = '';
  let csrf = '';

  beforeAll(async () => {
    packs = mkdtempSync(join(tmpdir(), 'guichet-packs-'));
    cpSync(FIXTURE_PACKS, packs, { recursive: true });
    writeFileSync(join(packs, 'sample', 'logo.svg'), LOGO);
    appendFileSync(
      join(packs, 'sample', 'tenant.yaml'),
      `\ntheme:\n  logo: logo.svg\n  colours: { primary: "#f2a900", secondary: "#e1000f" }\n  portalName: { fr: Portail d'essai, en: Test portal }\n` +
        `auth:\n  - { plugin: demo }\n  - { plugin: local, label: { fr: Compte local, en: Local account } }\n  - { plugin: trusted-header, options: { proxies: ["127.0.0.1/32"] } }\n`,
    );
    t = await startTestApp({ tenantsDir: packs, now: new Date().toISOString() });
    const res = await t.http.post('/sample/auth/demo').type('form').send({ login: 'alice' }).expect(303);
    cookie = String((res.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    const home = await t.http.get('/sample/').set('Cookie', cookie).expect(200);
    csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)![1];
  });
  afterAll(async () => {
    await t?.close();
    rmSync(packs, { recursive: true, force: true });
  });

  it('serves the DSFR and the portal files from the packages, and pages load nothing from elsewhere', async () => {
    expect((await t.http.get('/assets/dsfr/dsfr.min.css').expect(200)).headers['content-type']).toContain('text/css');
    expect((await t.http.get('/assets/dsfr/dsfr.module.min.js').expect(200)).headers['content-type']).toContain('javascript');
    expect((await t.http.get('/assets/dsfr/fonts/Marianne-Regular.woff2').expect(200)).headers['content-type']).toContain('font/woff2');
    expect((await t.http.get('/assets/portal/portal.js').expect(200)).text).toContain('data-guichet-upload');
    await t.http.get('/assets/portal/nothing.js').expect(404);
    const home = await t.http.get('/sample/').set('Cookie', cookie).expect(200);
    expect(home.headers['content-type']).toContain('text/html');
    const sources = [...home.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => /\.(css|js)(\?|$)/.test(u));
    expect(sources.length).toBeGreaterThan(3);
    for (const url of sources) expect(url.startsWith('/')).toBe(true);
  });

  it("themes the pages with the pack's name, logo and colours (kept readable)", async () => {
    const home = await t.http.get('/sample/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('<p class="fr-header__service-title">Portail d&#x27;essai</p>');
    expect(home.text).toContain('src="/sample/theme/logo"');
    const logo = await t.http.get('/sample/theme/logo').expect(200);
    expect(logo.headers['content-type']).toContain('image/svg+xml');
    expect(logo.headers['x-content-type-options']).toBe('nosniff');
    const css = (await t.http.get('/sample/theme.css').expect(200)).text;
    expect(css).toMatch(/--blue-france-sun-113-625: #[0-9a-f]{6};/);
    expect(css).not.toContain('#f2a900');
    expect(css).toContain('--guichet-secondary: #e1000f;');
    await t.http.get('/daily/theme/logo').expect(404);
  });

  it('sends signed-out people to the sign-in page and back, and answers errors with pages', async () => {
    const out = await t.http.get('/sample/tickets?view=open').expect(303);
    expect(out.headers.location).toBe(`/sample/login?next=${encodeURIComponent('/sample/tickets?view=open')}`);
    const login = await t.http.get('/sample/login?next=%2Fsample%2Ftickets').expect(200);
    expect(login.text).toContain('action="/sample/auth/demo"');
    expect(login.text).toContain('<option value="alice">Alice Martin</option>');
    const unknown = await t.http.get('/no-such-tenant/').expect(404);
    expect(unknown.headers['content-type']).toContain('text/html');
    const missing = await t.http.get('/sample/tickets/R-999999').set('Cookie', cookie).expect(404);
    expect(missing.headers['content-type']).toContain('text/html');
    expect(missing.text).toContain('Dossier introuvable : R-999999.');
    await t.http.get('/sample/no/such/page').set('Cookie', cookie).expect(404).expect('Content-Type', /html/);
    // The API keeps answering JSON.
    expect((await t.http.get('/api/sample/tickets').expect(401)).body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a form posted without the session CSRF token, writing nothing', async () => {
    const alice = await t.core.as('sample', 'alice');
    const ticket = await t.core.tickets.create(alice, { leaf: 'otp-order', values: { title: 'Deux clés', description: 'Pour le secrétariat.', establishment: '9740049K' } });
    const before = (await t.core.tickets.read(alice, ticket.reference)).history!.length;
    const refused = await t.http.post(`/sample/tickets/${ticket.reference}/comment`).set('Cookie', cookie).type('form').send({ body: 'Sans jeton' }).expect(403);
    expect(refused.headers['content-type']).toContain('text/html');
    expect((await t.core.tickets.read(alice, ticket.reference)).history!.length).toBe(before);
    await t.http.post(`/sample/tickets/${ticket.reference}/comment`).set('Cookie', cookie).type('form').send({ body: 'Avec jeton', _csrf: csrf }).expect(303);
    expect((await t.core.tickets.read(alice, ticket.reference)).history!.length).toBe(before + 1);
  });

  it("lists the pack's sign-in methods as their plugins declare them, and says why a sign-in failed", async () => {
    // Handlebars escapes "=" in attributes as &#x3D;, which browsers read back as "=".
    const page = (await t.http.get('/sample/login?next=%2Fsample%2Ftickets').expect(200)).text.replace(/&#x3D;/g, '=');
    expect(page).toContain('action="/sample/auth/demo"');
    const local = /<form method="post" action="\/sample\/auth\/local"[\s\S]*?<\/form>/.exec(page)![0];
    expect(page).toContain('Compte local');
    expect([...local.matchAll(/name="([a-z_]+)"/g)].map((m) => m[1])).toEqual(['next', 'login', 'password', 'otp']);
    expect(local).toContain('autocomplete="current-password"');
    expect(page).toContain('href="/sample/auth/trusted-header?next=%2Fsample%2Ftickets"');
    const failed = await t.http.get('/sample/login?error=credentials').expect(401);
    expect(failed.text).toContain('Connexion impossible : identifiant, mot de passe ou passcode OTP incorrect.');
    expect((await t.http.get('/sample/login?error=RATE_LIMITED&lang=en').expect(401)).text).toContain('Too many sign-in attempts');
  });

  it('switches language with a cookie, for known languages only', async () => {
    const res = await t.http.get('/sample/lang/en?next=%2Fsample%2Fprofile').set('Cookie', cookie).expect(303);
    expect(res.headers.location).toBe('/sample/profile');
    const lang = String((res.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    const page = await t.http.get('/sample/profile').set('Cookie', `${cookie}; ${lang}`).expect(200);
    expect(page.text).toContain('<html lang="en"');
    expect(page.text).toContain('Send notifications to');
    await t.http.get('/sample/lang/de').expect(404);
  });

  it('answers the script: products, people and suggestions as JSON, on the session only', async () => {
    const products = await t.http.get('/sample/portal-api/catalogue?q=otp').set('Cookie', cookie).expect(200);
    expect(products.body.map((p: { key: string }) => p.key)).toContain('otp-order');
    expect((await t.http.get('/sample/portal-api/catalogue?q=ot').set('Cookie', cookie).expect(200)).body).toEqual([]);
    const people = await t.http.get('/sample/portal-api/people?q=chlo').set('Cookie', cookie).expect(200);
    expect(people.body).toEqual([expect.objectContaining({ login: 'chloe', name: 'Chloé Leroy' })]);
    const alice = await t.core.as('sample', 'alice');
    const open = await t.core.tickets.create(alice, { leaf: 'otp-order', values: { title: 'Clé OTP bloquée', description: 'Elle clignote.', establishment: '9740049K' } });
    const suggest = await t.http.get('/sample/portal-api/suggest?leaf=otp-order&q=ma%20cl%C3%A9%20est%20bloqu%C3%A9e').set('Cookie', cookie).expect(200);
    expect(suggest.body.tickets.map((x: { reference: string }) => x.reference)).toContain(open.reference);
    const bob = await t.http.post('/sample/auth/demo').type('form').send({ login: 'chloe' }).expect(303);
    const other = String((bob.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    const theirs = await t.http.get('/sample/portal-api/suggest?leaf=otp-order&q=cl%C3%A9%20bloqu%C3%A9e').set('Cookie', other).expect(200);
    expect(theirs.body.tickets).toEqual([]);
    expect((await t.http.get('/sample/portal-api/people?q=chlo').expect(401)).body.code).toBe('UNAUTHENTICATED');
  });
});
