import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('references and tenant isolation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('gives 50 parallel creations 50 distinct references with no gap', async () => {
    const token = await t.token('sample', 'alice');
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.http.post('/api/sample/tickets').set(auth(token)).send({ leaf: 'otp-problem', values: { title: `Parallèle ${i}`, description: 'x' } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    const numbers = responses.map((r) => Number(/^I-(\d{6})$/.exec(r.body.reference)![1])).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(50);
    expect(numbers.at(-1)! - numbers[0]).toBe(49);
  });

  it('does not consume a number when the creation fails', async () => {
    const token = await t.token('sample', 'alice');
    const first = await t.http.post('/api/sample/tickets').set(auth(token)).send({ leaf: 'otp-order', values: { title: 'a', description: 'b' } }).expect(201);
    await t.http.post('/api/sample/tickets').set(auth(token)).send({ leaf: 'otp-order', values: { title: 'a', description: 'b', contacts: ['nobody'] } }).expect(400);
    const next = await t.http.post('/api/sample/tickets').set(auth(token)).send({ leaf: 'otp-order', values: { title: 'a', description: 'b' } }).expect(201);
    expect(Number(next.body.reference.slice(2)) - Number(first.body.reference.slice(2))).toBe(1);
  });

  it('restarts the daily counter at midnight in the tenant time zone (La Réunion, UTC+4)', async () => {
    const token = await t.token('daily', 'dina');
    const create = (leaf: string) => t.http.post('/api/daily/tickets').set(auth(token)).send({ leaf, values: { title: 'Écran noir', description: 'Il ne s’allume plus' } }).expect(201);
    t.clock.set('2026-04-16T19:30:00Z'); // 23:30 in Saint-Denis
    expect((await create('screen')).body.reference).toBe('I260416_0001');
    expect((await create('screen')).body.reference).toBe('I260416_0002');
    expect((await create('account')).body.reference).toBe('S260416_0001');
    t.clock.set('2026-04-16T20:30:00Z'); // 00:30 the next day there, still the 16th in Paris
    expect((await create('screen')).body.reference).toBe('I260417_0001');
  });

  it('keeps tenants apart: tokens, tickets, people and catalogue of another tenant are not found', async () => {
    const sampleToken = await t.token('sample', 'alice');
    const dailyToken = await t.token('daily', 'dina');
    const mine = await t.http.post('/api/sample/tickets').set(auth(sampleToken)).send({ leaf: 'otp-order', values: { title: 'a', description: 'b' } }).expect(201);
    await t.http.get('/api/daily/tickets').set(auth(sampleToken)).expect(401);
    await t.http.get(`/api/daily/tickets/${mine.body.id}`).set(auth(dailyToken)).expect(404);
    await t.http.get(`/api/daily/tickets/${mine.body.reference}`).set(auth(dailyToken)).expect(404);
    await t.http.post(`/api/daily/tickets/${mine.body.id}/comments`).set(auth(dailyToken)).send({ body: 'intrus' }).expect(404);
    await t.http.get('/api/daily/catalogue/otp-order').set(auth(dailyToken)).expect(404);
    const people = await t.http.get('/api/daily/people?q=alice').set(auth(dailyToken)).expect(200);
    expect(people.body).toEqual([]);
    await t.http.post('/api/daily/tickets').set(auth(dailyToken)).send({ leaf: 'screen', values: { title: 'a', description: 'b', contacts: ['alice'] } }).expect(400);
  });
});
