import { CredentialStore } from '../../src/plugin-host/sign-in-host.js';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalCredentials } from '../../plugins/local/local-credentials.js';
import { totp, base32Decode } from '../../plugins/local/totp.js';
import { SignInService } from '../../src/auth/sign-in.service.js';
import { SignInRepository } from '../../src/auth/sign-in.repository.js';
import { fixturePacksWith, withoutDemoTickets } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/**
 * A tiny CAS 3 server (the real ones are Java applications outside this machine): it issues
 * service tickets for a service, validates each once at `/p3/serviceValidate`, and answers XML.
 */
class TinyCas {
  readonly tickets = new Map<string, { service: string; user: string; attributes: Record<string, string[]> }>();
  server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cas');
    if (url.pathname !== '/cas/p3/serviceValidate') {
      res.writeHead(404).end();
      return;
    }
    const ticket = this.tickets.get(url.searchParams.get('ticket') ?? '');
    this.tickets.delete(url.searchParams.get('ticket') ?? '');
    res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' });
    if (!ticket || ticket.service !== url.searchParams.get('service')) {
      res.end(`<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">Ticket not recognized</cas:authenticationFailure></cas:serviceResponse>`);
      return;
    }
    const attributes = Object.entries(ticket.attributes)
      .flatMap(([name, values]) => values.map((v) => `<cas:${name}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</cas:${name}>`))
      .join('');
    res.end(`<?xml version="1.0"?><cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>${ticket.user}</cas:user><cas:attributes>${attributes}</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`);
  });
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cas`;
  }
  /** What the CAS login page does once the person typed their password. */
  issue(service: string, user: string, attributes: Record<string, string[]>): string {
    const ticket = `ST-${randomBytes(12).toString('hex')}`;
    this.tickets.set(ticket, { service, user, attributes });
    return ticket;
  }
}

const cookie = (res: { headers: Record<string, unknown> }, name: string) =>
  ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);

describe('auth plugins: trusted headers, CAS, local passwords with TOTP', () => {
  let t: TestApp;
  const cas = new TinyCas();
  let port: number;

  beforeAll(async () => {
    const casUrl = await cas.start();
    const auth = `
auth:
  - { plugin: demo }
  - plugin: trusted-header
    options:
      proxies: [127.0.0.1/32, "::1/128"]
      claims:
        login: X-Remote-User
        name: X-Remote-Name
        email: X-Remote-Mail
        establishments: { claim: X-Remote-Rne, pattern: "^([0-9]{7}[A-Z])" }
        heads: [{ claim: X-Remote-Function, equals: DIR }]
        roles: [{ claim: X-Remote-Groups, equals: helpdesk, role: agent }]
        teams:
          - { claim: X-Remote-Groups, equals: helpdesk, team: desk }
          - { claim: X-Remote-Groups, equals: network-lead, team: network, lead: true }
        separator: ","
  - plugin: cas
    options:
      server: ${casUrl}
      allowHttp: true
      claims:
        name: [givenName, sn]
        establishments: { claim: rne }
        headOf: { claim: rneResp }
        unknownEstablishments: create
  - plugin: local
    options: { lockAfter: 5, lockMinutes: 15 }
`;
    t = await startTestApp({ tenantsDir: fixturePacksWith({ sample: (y) => `${y}\n${auth}` }, undefined, { 'sample/demo.yaml': withoutDemoTickets }) });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t?.close();
    cas.server.close();
  });

  const person = async (login: string) => {
    const ctx = t.core.context('sample');
    const p = await t.core.directory.personByLoginOrId(ctx, login);
    return p && { ...p, establishments: (await t.core.directory.membershipsOf(ctx, p.id)).map((m) => `${m.uai}:${m.roles.join('+')}`).sort() };
  };

  /** A GET from a chosen local address (the loopback has all of 127.0.0.0/8), with raw header bytes. */
  function getFrom(localAddress: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, localAddress, headers: { accept: 'application/json', ...headers } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }
  const utf8AsLatin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

  describe('trusted-header', () => {
    const headers = {
      'X-Remote-User': 'mproxy',
      'X-Remote-Name': utf8AsLatin1('Mélanie Proxy'),
      'X-Remote-Mail': 'melanie.proxy@example.org',
      'X-Remote-Rne': '9740049K$UAJ$PU$N$T3$LYC,0140096D$UAJ$PU$N$T3$REC,9999999Z',
      'X-Remote-Function': 'DIR',
      'X-Remote-Groups': 'teachers,helpdesk',
    };

    it('accepts the headers from a configured proxy address: session, person provisioned from them', async () => {
      const res = await getFrom('127.0.0.1', '/sample/auth/trusted-header?next=/sample/tickets', headers);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/sample/tickets');
      expect(cookie(res, 'guichet_session')).toBeDefined();
      expect(await person('mproxy')).toMatchObject({
        display_name: 'Mélanie Proxy',
        email: 'melanie.proxy@example.org',
        roles: ['agent'],
        establishments: ['0140096D:member+head', '9740049K:member+head'],
      });
      const ctx = t.core.context('sample');
      const teams = async () => (await t.core.directory.teamsOf(ctx, (await t.core.directory.personByLoginOrId(ctx, 'mproxy'))!.id)).map((x) => `${x.key}${x.lead ? ':lead' : ''}`);
      expect(await teams()).toEqual(['desk']);
      await getFrom('127.0.0.1', '/sample/auth/trusted-header', { ...headers, 'X-Remote-Groups': 'teachers,network-lead' });
      expect(await teams()).toEqual(['network:lead']);
      await getFrom('127.0.0.1', '/sample/auth/trusted-header', headers);
      expect(await teams()).toEqual(['desk']);
    });

    it('refuses them from any other address, even with X-Forwarded-For naming the proxy', async () => {
      const res = await getFrom('127.0.0.2', '/sample/auth/trusted-header', { ...headers, 'X-Remote-User': 'intruder', 'X-Forwarded-For': '127.0.0.1' });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'SIGN_IN_FAILED', message: "Connexion impossible : cette adresse n'est pas un relais d'authentification autorisé.", details: { reason: 'proxy' } });
      expect(cookie(res, 'guichet_session')).toBeUndefined();
      expect(await person('intruder')).toBeUndefined();
    });

    it('updates the person at each sign-in, and sends a browser back to the sign-in page on failure', async () => {
      const res = await getFrom('127.0.0.1', '/sample/auth/trusted-header', { ...headers, 'X-Remote-Name': 'Melanie Proxy-Durand', 'X-Remote-Function': 'ENS', 'X-Remote-Groups': 'teachers', 'X-Remote-Rne': '9740049K' });
      expect(res.status).toBe(303);
      expect(await person('mproxy')).toMatchObject({ display_name: 'Melanie Proxy-Durand', roles: [], establishments: ['9740049K:member'] });
      const html = await getFrom('127.0.0.1', '/sample/auth/trusted-header?next=/sample/tickets', { accept: 'text/html' });
      expect(html.status).toBe(303);
      expect(html.headers.location).toBe('/sample/login?error=claims&next=%2Fsample%2Ftickets');
    });
  });

  describe('cas', () => {
    async function startCas(next?: string) {
      const res = await t.http.get(`/sample/auth/cas${next ? `?next=${encodeURIComponent(next)}` : ''}`).expect(303);
      const login = new URL(res.headers.location);
      expect(login.pathname).toBe('/cas/login');
      return { service: login.searchParams.get('service')!, flow: cookie(res, 'guichet_flow')! };
    }
    const back = (service: string, ticket: string, flow?: string) => {
      const url = new URL(service);
      url.searchParams.set('ticket', ticket);
      const req = t.http.get(`${url.pathname}${url.search}`);
      return flow ? req.set('Cookie', flow) : req;
    };
    const attributes = { givenName: ['Jeanne'], sn: ['Dupont'], mail: ['jeanne.dupont@example.org'], rne: ['9740049K', '0140096D', '0561622J'], rneResp: ['9740049K'] };

    it('validates the service ticket, maps attributes, provisions the person (creating unknown establishments)', async () => {
      const { service, flow } = await startCas('/sample/tickets?view=open');
      const res = await back(service, cas.issue(service, 'jdupont', attributes), flow).expect(303);
      expect(res.headers.location).toBe('/sample/tickets?view=open');
      expect(cookie(res, 'guichet_session')).toBeDefined();
      expect(await person('jdupont')).toMatchObject({
        display_name: 'Jeanne Dupont',
        email: 'jeanne.dupont@example.org',
        establishments: ['0140096D:member', '0561622J:member', '9740049K:member+head'],
      });
    });

    it('refuses a replayed ticket, a wrong state, and a return without the browser cookie', async () => {
      const first = await startCas();
      const ticket = cas.issue(first.service, 'jdupont', attributes);
      await back(first.service, ticket, first.flow).expect(303);
      // The same return again: the round trip was used up.
      expect((await back(first.service, ticket, first.flow).expect(401)).body.details).toEqual({ reason: 'state' });
      // A new round trip with the old ticket: the CAS server refuses it.
      const second = await startCas();
      const replay = new URL(second.service);
      expect((await back(replay.href, ticket, second.flow).expect(401)).body.details).toEqual({ reason: 'provider' });
      // A state that was never issued.
      const third = await startCas();
      const forged = new URL(third.service);
      forged.searchParams.set('state', 'forged');
      await back(forged.href, cas.issue(forged.href, 'jdupont', attributes), third.flow).expect(401);
      // Another browser (no cookie) cannot finish someone's round trip.
      const fourth = await startCas();
      expect((await back(fourth.service, cas.issue(fourth.service, 'jdupont', attributes)).set('Accept-Language', 'en').expect(401)).body.message).toBe(
        'Sign-in failed: the sign-in request is invalid or has expired, start again.',
      );
    });

    it('refuses a round trip that took longer than ten minutes', async () => {
      const { service, flow } = await startCas();
      t.clock.advance(11 * 60_000);
      await back(service, cas.issue(service, 'jdupont', attributes), flow).expect(401);
    });
  });

  describe('local', () => {
    const credentials = () => new LocalCredentials(t.core.app.get(CredentialStore), t.core.deps.clock);
    const signIn = (body: Record<string, string>, headers: Record<string, string> = {}) => t.http.post('/sample/auth/local').set(headers).type('form').send(body);

    beforeAll(async () => {
      const ctx = t.core.context('sample');
      await credentials().setPassword(ctx, 'alice', 'correct horse battery');
      await credentials().setPassword(ctx, 'bruno', 'bruno staple 2026');
      await credentials().setPassword(ctx, 'chloe', 'chloe password 1');
    });

    it('signs in with the password (stored as an argon2id hash)', async () => {
      const res = await signIn({ login: 'alice', password: 'correct horse battery', next: '/sample/tickets' }).expect(303);
      expect(res.headers.location).toBe('/sample/tickets');
      expect(cookie(res, 'guichet_session')).toBeDefined();
      const [row] = await t.core.deps.dataSource.query(`SELECT c.password_hash FROM local_credential c JOIN person p ON p.tenant_id = c.tenant_id AND p.id = c.person_id WHERE p.login = 'alice'`);
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    });

    it('refuses a wrong password in the person language, a too-short one at setting time, and a form from another site', async () => {
      const wrong = await signIn({ login: 'alice', password: 'wrong' }).expect(401);
      expect(wrong.body).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'Connexion impossible : identifiant, mot de passe ou passcode OTP incorrect.', details: { reason: 'credentials' } });
      const unknown = await signIn({ login: 'nobody', password: 'wrong' }).set('Accept-Language', 'en').expect(401);
      expect(unknown.body.message).toBe('Sign-in failed: wrong login, password or OTP passcode.');
      const html = await signIn({ login: 'alice', password: 'wrong' }, { Accept: 'text/html' }).expect(303);
      expect(html.headers.location).toBe('/sample/login?error=credentials');
      await expect(credentials().setPassword(t.core.context('sample'), 'alice', 'short')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      const csrf = await signIn({ login: 'alice', password: 'correct horse battery' }, { Origin: 'https://evil.example' }).expect(401);
      expect(csrf.body.details).toEqual({ reason: 'origin' });
    });

    it('locks a login after five failures for fifteen minutes, known or not', async () => {
      for (let i = 0; i < 5; i++) await signIn({ login: 'chloe', password: `guess ${i}` }).expect(401);
      const locked = await signIn({ login: 'chloe', password: 'chloe password 1' }).expect(429);
      expect(locked.body).toMatchObject({ code: 'ACCOUNT_LOCKED', message: 'Compte verrouillé après plusieurs échecs, réessayez dans 15 minute(s).' });
      for (let i = 0; i < 5; i++) await signIn({ login: 'ghost', password: `guess ${i}` }).expect(401);
      expect((await signIn({ login: 'ghost', password: 'x' }).expect(429)).body.code).toBe('ACCOUNT_LOCKED');
      t.clock.advance(16 * 60_000);
      await signIn({ login: 'chloe', password: 'chloe password 1' }).expect(303);
    });

    it('asks people who enrolled TOTP for a code: in its own field or after the password, each code once', async () => {
      const { secret, uri } = await credentials().enrolTotp(t.core.context('sample'), 'bruno', 'Guichet');
      expect(uri).toContain(`secret=${secret}`);
      const code = () => totp(base32Decode(secret), t.clock.now());
      // Without its code, a right password is answered like a wrong one (test/e2e/hardening-auth.e2e.spec.ts).
      expect((await signIn({ login: 'bruno', password: 'bruno staple 2026' }).expect(401)).body.details).toEqual({ reason: 'credentials' });
      expect((await signIn({ login: 'bruno', password: 'bruno staple 2026', otp: '000000' === code() ? '111111' : '000000' }).expect(401)).body.details).toEqual({ reason: 'credentials' });
      const first = code();
      await signIn({ login: 'bruno', password: 'bruno staple 2026', otp: first }).expect(303);
      // The same code a second time (someone looking over the shoulder) is refused.
      await signIn({ login: 'bruno', password: 'bruno staple 2026', otp: first }).expect(401);
      t.clock.advance(30_000);
      // "Mot de passe ou passcode OTP": the code typed right after the password.
      await signIn({ login: 'bruno', password: `bruno staple 2026${code()}` }).expect(303);
      // A wrong password with a right code is still a wrong password.
      t.clock.advance(30_000);
      expect((await signIn({ login: 'bruno', password: 'nope', otp: code() }).expect(401)).body.details).toEqual({ reason: 'credentials' });
    });

    it('rate-limits attempts per login (20 per 10 minutes), whatever their outcome', async () => {
      t.clock.advance(30 * 60_000);
      for (let i = 0; i < 20; i++) await signIn({ login: 'flood', password: 'x' });
      const limited = await signIn({ login: 'flood', password: 'x' }).expect(429);
      expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', message: 'Trop de tentatives de connexion, réessayez dans 10 minute(s).' });
    });
  });

  it('rate-limits per address, in PostgreSQL, shared by instances', async () => {
    const second = await t.secondCore();
    const limits = { perAddress: 3, perLogin: 100, windowMs: 60_000 };
    const a = new SignInService(t.core.directory, new SignInRepository(), t.core.deps.clock, limits);
    const b = new SignInService(second.directory, new SignInRepository(), second.deps.clock, limits);
    const ctx = t.core.context('sample');
    await a.throttle(ctx, '192.0.2.7', 'x');
    await b.throttle(second.context('sample'), '192.0.2.7', 'y');
    await a.throttle(ctx, '192.0.2.7', 'z');
    await expect(b.throttle(second.context('sample'), '192.0.2.7', 'w')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await a.throttle(ctx, '192.0.2.8', 'x');
    // Another tenant counts on its own.
    await a.throttle(t.core.context('daily'), '192.0.2.7', 'x');
    t.clock.advance(2 * 60_000);
    await a.throttle(ctx, '192.0.2.7', 'x');
  });

  it('sweeps expired sessions, round trips and counters with the timers', async () => {
    const count = async (table: string) => (await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = 'sample'`))[0].n as number;
    await t.http.get('/sample/auth/cas').expect(303);
    expect(await count('auth_flow')).toBeGreaterThan(0);
    expect(await count('sign_in_throttle')).toBeGreaterThan(0);
    t.clock.advance(8 * 86_400_000);
    await t.core.runTimers();
    expect([await count('auth_flow'), await count('session'), await count('sign_in_throttle')]).toEqual([0, 0, 0]);
  });

  it('keeps the demo sign-in working', async () => {
    const res = await t.http.post('/sample/auth/demo').type('form').send({ login: 'alice' }).expect(303);
    expect(cookie(res, 'guichet_session')).toBeDefined();
  });
});
