import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Provider from 'oidc-provider';
import { fixturePacksWith, withoutDemoTickets } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** People the OpenID provider knows, with the claims it releases. */
const ACCOUNTS: Record<string, { sub: string } & Record<string, unknown>> = {
  'sub-jd': { sub: 'sub-jd', preferred_username: 'jdurand', name: 'Jules Durand', email: 'jules.durand@example.org', email_verified: true, rne: ['9740049K', '0140096D'], groups: ['agents-n1'] },
  'sub-ml': { sub: 'sub-ml', preferred_username: 'mlebon', name: 'Marie Lebon', email: 'marie.lebon@example.org', rne: ['9740049K'], fonction: 'DIR' },
};

const SECRET_ENV = 'GUICHET_TEST_OIDC_SECRET';

/** A browser's cookies for one site (the provider's): enough for its login and consent pages. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair.split('=');
      this.cookies.set(name.trim(), value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

describe('oidc: authorization code + PKCE against a real OpenID provider (oidc-provider)', () => {
  let t: TestApp;
  let idp: Server;
  let issuer: string;
  let appOrigin: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();

  beforeAll(async () => {
    idp = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    process.env[SECRET_ENV] = 'a-client-secret-of-32-characters!!';
    const auth = `
auth:
  - plugin: oidc
    options:
      issuer: ${issuer}
      clientId: guichet
      clientSecretEnv: ${SECRET_ENV}
      allowHttp: true
      claims:
        establishments: { claim: rne }
        heads: [{ claim: fonction, equals: DIR }]
        roles: [{ claim: groups, matches: "^agents-", role: agent }]
`;
    t = await startTestApp({ tenantsDir: fixturePacksWith({ sample: (y) => `${y}\n${auth}` }, undefined, { 'sample/demo.yaml': withoutDemoTickets }) });
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'guichet',
          client_secret: process.env[SECRET_ENV],
          redirect_uris: [`${appOrigin}/sample/auth/oidc/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'rne', 'groups', 'fonction'], email: ['email', 'email_verified'] },
      findAccount: async (_ctx, sub: string) => (ACCOUNTS[sub] ? { accountId: sub, claims: async () => ACCOUNTS[sub] } : undefined),
      pkce: { required: () => true },
      cookies: { keys: ['oidc-test-cookie-key'] },
      features: { devInteractions: { enabled: true } },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    });
    handler = provider.callback();
  });

  afterAll(async () => {
    await t?.close();
    idp?.close();
    delete process.env[SECRET_ENV];
  });

  const cookieOf = (res: { headers: Record<string, unknown> }, name: string) =>
    ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);

  /** Guichet's start route: where it sends the browser, and its round-trip cookie. */
  async function start(next?: string) {
    const res = await t.http.get(`/sample/auth/oidc${next ? `?next=${encodeURIComponent(next)}` : ''}`).expect(303);
    const url = new URL(res.headers.location);
    return { url, flow: cookieOf(res, 'guichet_flow')! };
  }

  /** The person at the provider: signs in as `sub` and consents; returns the callback address Guichet gets. */
  async function atProvider(authorize: URL, sub: string): Promise<URL> {
    const jar = new Jar();
    let next = authorize.href;
    for (let hops = 0; hops < 12; hops++) {
      const res = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
      jar.take(res);
      if (res.status >= 300 && res.status < 400) {
        const location = new URL(res.headers.get('location')!, next);
        if (location.href.startsWith(`${appOrigin}/sample/auth/oidc/callback`)) return location;
        next = location.href;
        continue;
      }
      const page = await res.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
      if (!prompt) throw new Error(`unexpected provider page (${res.status}): ${page.slice(0, 200)}`);
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login: sub, password: 'anything' } : { prompt });
      const posted = await fetch(next, { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body });
      jar.take(posted);
      next = new URL(posted.headers.get('location')!, next).href;
    }
    throw new Error('too many redirects at the provider');
  }

  const back = (callback: URL, flow?: string) => {
    const req = t.http.get(`${callback.pathname}${callback.search}`);
    return flow ? req.set('Cookie', flow) : req;
  };

  const person = async (login: string) => {
    const ctx = t.core.context('sample');
    const p = await t.core.directory.personByLoginOrId(ctx, login);
    return p && { ...p, establishments: (await t.core.directory.membershipsOf(ctx, p.id)).map((m) => `${m.uai}:${m.roles.join('+')}`).sort() };
  };

  it('signs in with PKCE, state and nonce; maps ID token and userinfo claims (e-mail) to a new person', async () => {
    const { url, flow } = await start('/sample/tickets?view=open');
    expect(url.origin).toBe(issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{32}$/);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('redirect_uri')).toBe(`${appOrigin}/sample/auth/oidc/callback`);
    const callback = await atProvider(url, 'sub-jd');
    const res = await back(callback, flow).expect(303);
    expect(res.headers.location).toBe('/sample/tickets?view=open');
    const session = cookieOf(res, 'guichet_session')!;
    expect(session).toBeDefined();
    expect(await person('jdurand')).toMatchObject({
      display_name: 'Jules Durand',
      email: 'jules.durand@example.org',
      roles: ['agent'],
      establishments: ['0140096D:member', '9740049K:member'],
    });
    const resolved = await t.core.sessions.resolve(t.core.context('sample'), decodeURIComponent(session.split('=')[1]));
    expect(resolved).toMatchObject({ method: 'oidc', actor: { login: 'jdurand' } });
  });

  it('updates the person at the next sign-in (a head of establishment per the pack rule)', async () => {
    ACCOUNTS['sub-ml'].name = 'Marie Lebon-Hoarau';
    const { url, flow } = await start();
    await back(await atProvider(url, 'sub-ml'), flow).expect(303);
    expect(await person('mlebon')).toMatchObject({ display_name: 'Marie Lebon-Hoarau', roles: [], establishments: ['9740049K:member+head'] });
  });

  it('refuses a wrong state, without opening a session', async () => {
    const { url, flow } = await start();
    const callback = await atProvider(url, 'sub-jd');
    callback.searchParams.set('state', 'not-the-state-we-sent');
    const res = await back(callback, flow).expect(401);
    expect(res.body).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'Connexion impossible : la demande de connexion est invalide ou a expiré, recommencez.', details: { reason: 'state' } });
    expect(cookieOf(res, 'guichet_session')).toBeUndefined();
  });

  it('refuses a replayed code: the same return twice, and the code with a fresh round trip', async () => {
    const first = await start();
    const callback = await atProvider(first.url, 'sub-jd');
    await back(callback, first.flow).expect(303);
    expect((await back(callback, first.flow).expect(401)).body.details).toEqual({ reason: 'state' });
    const second = await start();
    const replay = new URL(callback);
    replay.searchParams.set('state', second.url.searchParams.get('state')!);
    const res = await back(replay, second.flow).set('Accept-Language', 'en').expect(401);
    expect(res.body).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'Sign-in failed: the identity provider refused the sign-in.', details: { reason: 'provider' } });
  });

  it('refuses a return from another browser (no round-trip cookie), and sends a browser to the sign-in page', async () => {
    const { url } = await start('/sample/tickets');
    const res = await back(await atProvider(url, 'sub-jd')).set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe('/sample/login?error=state');
  });

  it('refuses a round trip older than ten minutes, and ends a session idle for too long', async () => {
    const stale = await start();
    const callback = await atProvider(stale.url, 'sub-jd');
    t.clock.advance(11 * 60_000);
    await back(callback, stale.flow).expect(401);

    const fresh = await start();
    const res = await back(await atProvider(fresh.url, 'sub-jd'), fresh.flow).expect(303);
    const token = decodeURIComponent(cookieOf(res, 'guichet_session')!.split('=')[1]);
    const ctx = t.core.context('sample');
    expect(await t.core.sessions.resolve(ctx, token)).not.toBeNull();
    t.clock.advance(9 * 3600_000);
    expect(await t.core.sessions.resolve(ctx, token)).toBeNull();
    await t.http.post('/sample/logout').set('Cookie', `guichet_session=${token}`).expect(401);
  });
});
