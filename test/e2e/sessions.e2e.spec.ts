import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('portal sessions (demo sign-in)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  function signIn(login = 'alice', next?: string) {
    return t.http.post('/sample/auth/demo').type('form').send({ login, ...(next ? { next } : {}) });
  }
  const cookieOf = (res: { headers: Record<string, unknown> }) => String((res.headers['set-cookie'] as string[])[0]).split(';')[0];

  it('opens a session with a hardened cookie and goes back where the person was', async () => {
    const res = await signIn('alice', '/sample/tickets?view=open').expect(303);
    expect(res.headers.location).toBe('/sample/tickets?view=open');
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0];
    expect(cookie).toMatch(/^guichet_session=[\w-]{43};/);
    expect(cookie).toContain('Path=/sample');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    const rows = await t.core.deps.dataSource.query(`SELECT id FROM session WHERE tenant_id = 'sample'`);
    expect(rows.some((r: { id: string }) => cookie.includes(r.id))).toBe(false); // only the hash is stored
  });

  it('never redirects outside the tenant portal', async () => {
    for (const next of ['https://evil.example/', '//evil.example/', '/daily/', '/sample\\@evil']) {
      expect((await signIn('alice', next).expect(303)).headers.location).toBe('/sample/');
    }
  });

  it('refuses unknown people, and the demo sign-in outside demo mode', async () => {
    await signIn('nobody').expect(404);
    t.core.setDemo(false);
    try {
      await signIn('alice').expect(403);
    } finally {
      t.core.setDemo(true);
    }
  });

  it('signs out only with the CSRF token of the session', async () => {
    const cookie = cookieOf(await signIn('alice').expect(303));
    await t.http.post('/sample/logout').set('Cookie', cookie).type('form').send({}).expect(403);
    const id = createHash('sha256').update(cookie.split('=')[1]).digest('hex');
    const [{ csrf }] = await t.core.deps.dataSource.query(`SELECT csrf FROM session WHERE tenant_id = 'sample' AND id = $1`, [id]);
    const out = await t.http.post('/sample/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(303);
    expect(out.headers.location).toBe('/sample/login');
    await t.http.post('/sample/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(401);
  });

  it('ends idle sessions', async () => {
    const ctx = t.core.context('sample');
    const alice = await t.core.directory.personByLoginOrId(ctx, 'alice');
    const { token } = await t.core.sessions.open(ctx, alice!.id, 'demo');
    expect((await t.core.sessions.resolve(ctx, token))?.actor.login).toBe('alice');
    t.clock.advance(8 * 3600_000 + 1000);
    expect(await t.core.sessions.resolve(ctx, token)).toBeNull();
    expect(await t.core.sessions.sweep(ctx)).toBeGreaterThanOrEqual(1);
  });
});
