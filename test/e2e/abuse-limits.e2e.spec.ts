import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** Per-person rates of the pack (`limits.rates`): a script cannot file or search without end. */
describe('abuse limits', () => {
  let t: TestApp;
  const auth = async (login: string) => ({ Authorization: `Bearer ${await t.token('sample', login)}` });

  beforeAll(async () => {
    const tenantsDir = fixturePacksWith({ sample: (y) => y.replace(/^limits: .*$/m, 'limits: { rates: { create: { max: 3, per: PT10M }, search: { max: 4, per: PT1M } } }') });
    t = await startTestApp({ tenantsDir });
  });
  afterAll(() => t?.close());

  const create = async (login: string, title: string) => t.http.post('/api/sample/tickets').set(await auth(login)).send({ leaf: 'otp-order', values: { title, description: 'x' } });

  it('refuses the creation past the rate with 429 and Retry-After, for that person only, until the window ends', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, async (_, i) => (await create('alice', `Rafale ${i}`)).status));
    expect(answers.filter((s) => s === 201)).toHaveLength(3);
    const refused = await create('alice', 'Encore une');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('Trop de demandes') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(600);
    const rows = await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM ticket WHERE tenant_id = 'sample' AND title LIKE 'Rafale%'`);
    expect(rows[0].n).toBe(3);
    // Another person is not slowed by Alice.
    expect((await create('chloe', 'Autre personne 2')).status).toBe(201);
    t.clock.advance(10 * 60_000 + 1000);
    expect((await create('alice', 'Après la fenêtre')).status).toBe(201);
  });

  it('limits directory searches per person, in the API and the portal', async () => {
    const headers = await auth('bruno');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.http.get(`/api/sample/people?q=al`).set(headers)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    // The portal's people picker counts for the person too.
    const signedIn = await t.http.post('/sample/auth/demo').type('form').send({ login: 'chloe' }).expect(303);
    const cookie = String((signedIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('guichet_session=')));
    const portal: number[] = [];
    for (let i = 0; i < 6; i++) portal.push((await t.http.get('/sample/portal-api/people?q=al').set('Cookie', cookie.split(';')[0])).status);
    expect(portal).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
