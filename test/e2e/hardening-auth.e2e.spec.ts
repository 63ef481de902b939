/**
 * Sign-in hardening: lockouts that hold under concurrency, no login CSRF through `Origin: null`
 * or the demo picker, a failure that never tells the password was right, and integrations that
 * never get a portal session.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalCredentials } from '../../plugins/local/local-credentials.js';
import { CredentialStore } from '../../src/plugin-host/sign-in-host.js';
import { base32Decode, totp } from '../../plugins/local/totp.js';
import { fixturePacksWith, withoutDemoTickets } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const MINUTE = 60_000;

const sessionCookie = (res: { headers: Record<string, unknown> }) =>
  ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]).find((c) => /^guichet_session=.+/.test(c));

describe('sign-in hardening', () => {
  let t: TestApp;
  let origin: string;
  const credentials = () => new LocalCredentials(t.core.app.get(CredentialStore), t.core.deps.clock);
  const local = (body: Record<string, string>, headers: Record<string, string> = {}) => t.http.post('/sample/auth/local').set(headers).type('form').send(body);
  const demo = (body: Record<string, string>, headers: Record<string, string> = {}) => t.http.post('/sample/auth/demo').set(headers).type('form').send(body);

  beforeAll(async () => {
    const auth = `
auth:
  - { plugin: demo }
  - plugin: local
    options: { lockAfter: 5, lockMinutes: 15 }
`;
    t = await startTestApp({
      tenantsDir: fixturePacksWith({ sample: (y) => `${y}\n${auth}`, daily: (y) => `${y}\nauth:\n  - { plugin: local }\n` }, undefined, { 'sample/demo.yaml': withoutDemoTickets }),
    });
    // One listening server: supertest then sends every request (even parallel ones) to it.
    await new Promise<void>((resolve) => t.app.getHttpServer().listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const ctx = t.core.context('sample');
    await credentials().setPassword(ctx, 'alice', 'correct horse battery');
    await credentials().setPassword(ctx, 'chloe', 'chloe password 1');
    await credentials().setPassword(ctx, 'bruno', 'bruno staple 2026');
  });
  afterAll(() => t?.close());

  describe('lockout under concurrency', () => {
    it('checks at most five passwords out of 20 parallel sign-ins, then the login stays locked', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => local({ login: 'chloe', password: `guess ${i}` })));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      for (const r of answers.filter((a) => a.status === 429)) expect(r.body.code).toBe('ACCOUNT_LOCKED');
      // Past the per-login rate window, still locked: even the right password is refused.
      t.clock.advance(11 * MINUTE);
      expect((await local({ login: 'chloe', password: 'chloe password 1' }).expect(429)).body.code).toBe('ACCOUNT_LOCKED');
      t.clock.advance(5 * MINUTE);
      await local({ login: 'chloe', password: 'chloe password 1' }).expect(303);
    });

    it('counts unknown logins the same way', async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => local({ login: 'ghost.parallel', password: `guess ${i}` })));
      expect(answers.filter((r) => r.status === 401)).toHaveLength(5);
      expect(answers.filter((r) => r.status === 429 && r.body.code === 'ACCOUNT_LOCKED')).toHaveLength(15);
    });

    it('lets a right password through before the limit and starts counting again', async () => {
      for (let i = 0; i < 4; i++) await local({ login: 'alice', password: `guess ${i}` }).expect(401);
      await local({ login: 'alice', password: 'correct horse battery' }).expect(303);
      for (let i = 0; i < 4; i++) await local({ login: 'alice', password: `guess ${i}` }).expect(401);
      await local({ login: 'alice', password: 'correct horse battery' }).expect(303);
    });
  });

  describe('login CSRF', () => {
    it('refuses `Origin: null` and another site on the local sign-in, accepts this site', async () => {
      for (const headers of [{ Origin: 'null' }, { Origin: 'null', Referer: `${origin}/sample/login` }, { Origin: 'https://evil.example' }, { Referer: 'https://evil.example/page' }, { Origin: 'not a url' }] as Record<string, string>[]) {
        const res = await local({ login: 'alice', password: 'correct horse battery' }, headers).expect(401);
        expect([headers, res.body.details]).toEqual([headers, { reason: 'origin' }]);
        expect(sessionCookie(res)).toBeUndefined();
      }
      await local({ login: 'alice', password: 'correct horse battery' }, { Origin: origin }).expect(303);
      // A browser is sent back to the sign-in page.
      const html = await local({ login: 'alice', password: 'correct horse battery' }, { Origin: 'null', Accept: 'text/html' }).expect(303);
      expect(html.headers.location).toBe('/sample/login?error=origin');
    });

    it('refuses `Origin: null` and another site on the demo sign-in, accepts this site', async () => {
      for (const headers of [{ Origin: 'null' }, { Origin: 'https://evil.example' }, { Referer: 'https://evil.example/page' }] as Record<string, string>[]) {
        const res = await demo({ login: 'alice' }, headers).expect(401);
        expect([headers, res.body]).toEqual([headers, expect.objectContaining({ code: 'SIGN_IN_FAILED', details: { reason: 'origin' } })]);
        expect(sessionCookie(res)).toBeUndefined();
      }
      expect((await demo({ login: 'alice' }, { Origin: 'null', Accept: 'text/html' }).expect(303)).headers.location).toBe('/sample/login?error=origin');
      expect(sessionCookie(await demo({ login: 'alice' }, { Origin: origin }).expect(303))).toBeDefined();
    });
  });

  describe('the demo sign-in’s answers', () => {
    it('is not found where the pack does not offer it, forbidden outside demo mode', async () => {
      expect((await t.http.post('/daily/auth/demo').type('form').send({ login: 'alice' }).expect(404)).body.code).toBe('NOT_FOUND');
      t.core.setDemo(false);
      try {
        expect((await demo({ login: 'alice' }).expect(403)).body.code).toBe('FORBIDDEN');
      } finally {
        t.core.setDemo(true);
      }
      expect((await demo({ login: 'nobody' }).expect(404)).body.code).toBe('PERSON_NOT_FOUND');
    });
  });

  describe('what a failure tells', () => {
    it('answers a right password without its one-time code exactly like a wrong password', async () => {
      const { secret } = await credentials().enrolTotp(t.core.context('sample'), 'bruno', 'Guichet');
      const wrong = await local({ login: 'bruno', password: 'not the password' }).expect(401);
      const noCode = await local({ login: 'bruno', password: 'bruno staple 2026' }).expect(401);
      const code = totp(base32Decode(secret), t.clock.now());
      const badCode = await local({ login: 'bruno', password: 'bruno staple 2026', otp: code === '000000' ? '111111' : '000000' }).expect(401);
      // Alike but for each answer's own request id.
      const sansId = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(sansId(noCode.body)).toEqual(sansId(wrong.body));
      expect(sansId(badCode.body)).toEqual(sansId(wrong.body));
      expect(wrong.body).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'Connexion impossible : identifiant, mot de passe ou passcode OTP incorrect.', details: { reason: 'credentials' } });
      const html = await local({ login: 'bruno', password: 'bruno staple 2026' }, { Accept: 'text/html' }).expect(303);
      expect(html.headers.location).toBe('/sample/login?error=credentials');
      await local({ login: 'bruno', password: 'bruno staple 2026', otp: code }).expect(303);
    });
  });

  describe('integrations', () => {
    let integrationId: string;

    beforeAll(async () => {
      const admin = await t.token('sample', 'admin', ['read', 'write', 'admin']);
      const minted = await t.http.post('/api/sample/tokens').set('Authorization', `Bearer ${admin}`).send({ integration: 'supervision', name: 'Centreon', scopes: ['read'] }).expect(201);
      expect(minted.body.person).toMatchObject({ login: 'integration:supervision', integration: true });
      integrationId = (await t.core.directory.personByLoginOrId(t.core.context('sample'), 'integration:supervision'))!.id;
    });

    it('cannot open a portal session through the demo sign-in (by login or by id)', async () => {
      for (const login of ['integration:supervision', integrationId]) {
        const res = await demo({ login });
        expect([login, res.status, res.body.code]).toEqual([login, 404, 'PERSON_NOT_FOUND']);
        expect(sessionCookie(res)).toBeUndefined();
      }
      const rows = await t.core.deps.dataSource.query(`SELECT 1 FROM session WHERE tenant_id = 'sample' AND person_id = $1`, [integrationId]);
      expect(rows).toEqual([]);
    });

    it('cannot sign in with a local password either, and no session of its ever resolves', async () => {
      const ctx = t.core.context('sample');
      await expect(credentials().setPassword(ctx, 'integration:supervision', 'a long enough password')).rejects.toMatchObject({ code: 'PERSON_NOT_FOUND' });
      // Even with a credential written behind Guichet's back.
      await t.core.deps.dataSource.query(
        `INSERT INTO local_credential (tenant_id, person_id, password_hash, updated_at) SELECT tenant_id, $1, password_hash, updated_at FROM local_credential c
         WHERE c.tenant_id = 'sample' AND c.person_id = (SELECT id FROM person WHERE tenant_id = 'sample' AND login = 'alice')`,
        [integrationId],
      );
      expect((await local({ login: 'integration:supervision', password: 'correct horse battery' }).expect(401)).body.details).toEqual({ reason: 'credentials' });
      await expect(t.core.sessions.open(ctx, integrationId, 'local')).rejects.toMatchObject({ reason: 'inactive' });
      const { token } = await t.core.sessions.open(ctx, (await t.core.directory.personByLoginOrId(ctx, 'chloe'))!.id, 'local');
      await t.core.deps.dataSource.query(`UPDATE session SET person_id = $1 WHERE tenant_id = 'sample' AND person_id = (SELECT id FROM person WHERE login = 'chloe' AND tenant_id = 'sample')`, [integrationId]);
      expect(await t.core.sessions.resolve(ctx, token)).toBeNull();
    });
  });
});
