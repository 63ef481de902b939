/**
 * Security headers on every kind of answer (portal page, error page, API JSON, static file, the
 * theme, an attachment): a strict CSP (no inline script or style, no frame), nosniff, a referrer
 * policy, no X-Powered-By; the portal's templates and pages carry nothing inline that the CSP would
 * block; GUICHET_TRUST_PROXY makes the session cookie `Secure` behind a TLS proxy, and only then.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../../src/bootstrap.js';
import { parseTrustProxy } from '../../src/common/security-headers.js';
import { loadConfig } from '../../src/config/app-config.js';
import { ROOT, startTestApp, type TestApp } from '../setup/test-app.js';

const TENANT = 'sample';

/** Every file under `dir` whose name ends with one of `extensions`. */
function filesUnder(dir: string, extensions: string[]): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => extensions.some((e) => f.endsWith(e)))
    .map((f) => join(dir, f));
}

/** What a strict CSP blocks in HTML: inline scripts, style elements and attributes, event handlers, javascript: URLs. */
function inlineMarkup(html: string): string[] {
  return [
    ...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>/gi),
    ...html.matchAll(/<style\b[^>]*>/gi),
    ...html.matchAll(/<[a-z][^>]*\sstyle\s*=[^>]*>/gi),
    ...html.matchAll(/<[a-z][^>]*\son[a-z]+\s*=[^>]*>/gi),
    ...html.matchAll(/(?:href|src|action)\s*=\s*["']?\s*javascript:/gi),
  ].map((m) => m[0]);
}

describe('hardening: security headers and proxies', () => {
  let t: TestApp;
  let cookie = '';
  let ref = '';
  let attachment = '';

  beforeAll(async () => {
    t = await startTestApp();
    const signIn = await t.http.post(`/${TENANT}/auth/demo`).type('form').send({ login: 'admin' }).expect(303);
    cookie = String((signIn.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    const token = await t.token(TENANT, 'admin');
    ref = (await t.http.post(`/api/${TENANT}/tickets`).set('Authorization', `Bearer ${token}`).send({ leaf: 'otp-order', values: { title: 'Clés', description: 'Deux', establishment: '9740049K' } }).expect(201)).body.reference;
    attachment = (await t.http.post(`/api/${TENANT}/tickets/${ref}/attachments`).set('Authorization', `Bearer ${token}`).attach('file', Buffer.from('<script>alert(1)</script>'), { filename: 'page.html', contentType: 'text/html' }).expect(201)).body.id;
  });
  afterAll(() => t?.close());

  it('sends a strict CSP, frame refusal, nosniff and a referrer policy on every kind of answer, and no X-Powered-By', async () => {
    const answers = {
      'portal page': await t.http.get(`/${TENANT}/tickets/${ref}`).set('Cookie', cookie).expect(200),
      'sign-in page': await t.http.get(`/${TENANT}/login`).expect(200),
      'error page': await t.http.get(`/${TENANT}/nothing-here`).set('Cookie', cookie).expect(404),
      'API answer': await t.http.get(`/api/${TENANT}/tickets/${ref}`).set('Authorization', `Bearer ${await t.token(TENANT, 'admin')}`).expect(200),
      'API error': await t.http.get(`/api/${TENANT}/tickets`).expect(401),
      'static file': await t.http.get('/assets/portal/portal.js').expect(200),
      'DSFR file': await t.http.get('/assets/dsfr/dsfr.min.css').expect(200),
      theme: await t.http.get(`/${TENANT}/theme.css`).expect(200),
      attachment: await t.http.get(`/${TENANT}/attachments/${attachment}`).set('Cookie', cookie).expect(200),
      health: await t.http.get('/health'),
      'unknown path': await t.http.get('/nothing/at/all/here'),
    };
    for (const [name, res] of Object.entries(answers)) {
      const csp = String(res.headers['content-security-policy']);
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
      expect({ name, directives }).toEqual({
        name,
        directives: {
          'default-src': "'self'",
          'script-src': "'self'",
          'style-src': "'self'",
          'img-src': "'self' data:",
          'font-src': "'self'",
          'connect-src': "'self'",
          'object-src': "'none'",
          'base-uri': "'self'",
          'form-action': "'self'",
          'frame-ancestors': "'none'",
        },
      });
      expect({ name, frame: res.headers['x-frame-options'], sniff: res.headers['x-content-type-options'], referrer: res.headers['referrer-policy'], poweredBy: res.headers['x-powered-by'] }).toEqual({
        name,
        frame: 'DENY',
        sniff: 'nosniff',
        referrer: 'same-origin',
        poweredBy: undefined,
      });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('lets only Swagger UI use inline styles, never inline scripts', async () => {
    const docs = await t.http.get('/api/docs/').expect(200);
    const csp = String(docs.headers['content-security-policy']);
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("has nothing inline in the portal's templates, the plugins' and the tenant packs", () => {
    const files = [...filesUnder(join(ROOT, 'src', 'portal', 'views'), ['.hbs']), ...filesUnder(join(ROOT, 'plugins'), ['.hbs', '.html']), ...filesUnder(join(ROOT, 'tenants'), ['.yaml', '.hbs', '.html'])];
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((file) => inlineMarkup(readFileSync(file, 'utf8')).map((m) => `${file.slice(ROOT.length + 1)}: ${m}`));
    expect(found).toEqual([]);
  });

  it('renders pages with nothing inline, signed in or not, on the desk too', async () => {
    const pages = [`/${TENANT}/login`, `/${TENANT}/`, `/${TENANT}/catalogue`, `/${TENANT}/new/otp-order`, `/${TENANT}/tickets`, `/${TENANT}/tickets/${ref}`, `/${TENANT}/profile`, `/${TENANT}/desk`, `/${TENANT}/desk/tickets/${ref}`, `/${TENANT}/search?q=otp`, `/${TENANT}/nothing-here`];
    const found: string[] = [];
    for (const path of pages) {
      const res = await t.http.get(path).set('Cookie', cookie);
      expect({ path, type: res.headers['content-type'] }).toEqual({ path, type: expect.stringContaining('text/html') });
      found.push(...inlineMarkup(res.text).map((m) => `${path}: ${m}`));
    }
    expect(found).toEqual([]);
  });

  describe('GUICHET_TRUST_PROXY', () => {
    let proxied: INestApplication;
    beforeAll(async () => {
      proxied = await createApp({ ...t.config, trustProxy: parseTrustProxy('loopback') }, { clock: t.clock, seed: false, logger: ['error'] });
    });
    afterAll(() => proxied?.close());

    const sessionCookie = (res: { headers: Record<string, unknown> }) => String((res.headers['set-cookie'] as string[])[0]);

    it('sets Secure on the session cookie when a trusted proxy says the request came over TLS', async () => {
      const behind = await request(proxied.getHttpServer()).post(`/${TENANT}/auth/demo`).set('X-Forwarded-Proto', 'https').type('form').send({ login: 'alice' }).expect(303);
      expect(sessionCookie(behind)).toMatch(/; Secure/);
      const plain = await request(proxied.getHttpServer()).post(`/${TENANT}/auth/demo`).type('form').send({ login: 'alice' }).expect(303);
      expect(sessionCookie(plain)).not.toMatch(/; Secure/);
    });

    it('ignores X-Forwarded-Proto when no proxy is trusted (the default)', async () => {
      const res = await t.http.post(`/${TENANT}/auth/demo`).set('X-Forwarded-Proto', 'https').type('form').send({ login: 'alice' }).expect(303);
      expect(sessionCookie(res)).not.toMatch(/; Secure/);
    });

    it('is read from the environment as Express reads `trust proxy`', () => {
      expect(loadConfig({}).trustProxy).toBe(false);
      expect(loadConfig({ GUICHET_TRUST_PROXY: '' }).trustProxy).toBe(false);
      expect(loadConfig({ GUICHET_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
      expect(loadConfig({ GUICHET_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
      expect(loadConfig({ GUICHET_TRUST_PROXY: '1' }).trustProxy).toBe(1);
      expect(loadConfig({ GUICHET_TRUST_PROXY: ' loopback, 10.0.0.0/8 ' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    });
  });
});
