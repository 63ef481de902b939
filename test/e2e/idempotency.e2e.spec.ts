import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('Idempotency-Key on POST', () => {
  let t: TestApp;
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp();
    auth = { Authorization: `Bearer ${await t.token('sample', 'alice')}` };
  });
  afterAll(() => t?.close());

  const create = (title: string, key?: string) => {
    const req = t.http.post('/api/sample/tickets').set(auth);
    if (key) req.set('Idempotency-Key', key);
    return req.send({ leaf: 'otp-order', values: { title, description: 'x' } });
  };
  const count = async (title: string) => (await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM ticket WHERE tenant_id = 'sample' AND title = $1`, [title]))[0].n;

  it('answers a retried create with the first answer instead of a second ticket', async () => {
    const first = await create('Clé une', 'k-1').expect(201);
    const again = await create('Clé une', 'k-1').expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await count('Clé une')).toBe(1);
    // Without a key, a retry is a second ticket (what the key is for).
    await create('Sans clé').expect(201);
    await create('Sans clé').expect(201);
    expect(await count('Sans clé')).toBe(2);
  });

  it('creates once when the same key arrives many times at once', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => create('Clé parallèle', 'k-parallel')));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => a.body.reference)).size).toBe(1);
    expect(await count('Clé parallèle')).toBe(1);
  });

  it('refuses a key reused for another request, and a malformed key, naming it', async () => {
    await create('Clé deux', 'k-2').expect(201);
    const reused = await create('Autre chose', 'k-2').expect(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count('Autre chose')).toBe(0);
    const bad = await create('Clé invalide', 'une clé avec des espaces').expect(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it('stores nothing for a refused request (it may be retried), and keys are per person', async () => {
    const refused = await t.http.post('/api/sample/tickets').set(auth).set('Idempotency-Key', 'k-3').send({ leaf: 'otp-order', values: {} }).expect(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    await create('Clé trois', 'k-3').expect(201);
    const bruno = { Authorization: `Bearer ${await t.token('sample', 'bruno')}` };
    const other = await t.http.post('/api/sample/tickets').set(bruno).set('Idempotency-Key', 'k-3').send({ leaf: 'otp-order', values: { title: 'Clé trois', description: 'x' } }).expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('Clé trois')).toBe(2);
  });

  it('forgets keys after 24 hours', async () => {
    await create('Clé quatre', 'k-4').expect(201);
    t.clock.advance(24 * 3600_000 + 1000);
    await t.core.runTimers();
    await create('Clé quatre', 'k-4').expect(201);
    expect(await count('Clé quatre')).toBe(2);
  });
});
