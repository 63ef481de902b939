import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LogCapture, startTestApp, type TestApp } from '../setup/test-app.js';

/** One JSON line per request, with its id, tenant, route, status, duration and person; never a secret. */
describe('structured logs', () => {
  let t: TestApp;
  const logs = new LogCapture();
  let alice: string;
  let aliceId: string;

  beforeAll(async () => {
    t = await startTestApp({ logs, config: { log: { format: 'json', level: 'info' } } });
    alice = await t.token('sample', 'alice');
    aliceId = (await t.core.directory.personByLoginOrId(t.core.context('sample'), 'alice'))!.id;
  });
  afterAll(() => t?.close());

  const lineOf = (requestId: string) => logs.lines.find((l) => l.reqId === requestId && (l.res as { status?: number } | undefined)?.status !== undefined);

  it('keeps the X-Request-Id a client sends, echoes it and writes one line for the request', async () => {
    const res = await t.http.get('/health').set('X-Request-Id', 'lb-1234.abc').expect(200);
    expect(res.headers['x-request-id']).toBe('lb-1234.abc');
    expect(lineOf('lb-1234.abc')).toMatchObject({ level: 'info', req: { method: 'GET', path: '/health' }, res: { status: 200 }, route: '/health', service: 'guichet' });
    expect(typeof lineOf('lb-1234.abc')!.durationMs).toBe('number');
  });

  it('gives a new id to a request without one, or with one that is not an id', async () => {
    const none = await t.http.get('/health').expect(200);
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await t.http.get('/health').set('X-Request-Id', 'two words\tand a tab').expect(200);
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names the tenant, the route template and the person of an API call, and never its token', async () => {
    await t.http.get('/api/sample/tickets?view=open').set('Authorization', `Bearer ${alice}`).set('X-Request-Id', 'list-1').expect(200);
    expect(lineOf('list-1')).toMatchObject({ tenant: 'sample', route: '/api/:tenant/tickets', personId: aliceId, req: { path: '/api/sample/tickets' }, res: { status: 200 } });
    expect(logs.text()).not.toContain(alice);
  });

  it('puts the request id in every error body, the one its log line has', async () => {
    const missing = await t.http.get('/api/sample/tickets/R-999999').set('Authorization', `Bearer ${alice}`).set('X-Request-Id', 'err-404').expect(404);
    expect(missing.body).toMatchObject({ code: 'TICKET_NOT_FOUND', requestId: 'err-404' });
    const unauthenticated = await t.http.get('/api/sample/tickets').expect(401);
    expect(unauthenticated.body.requestId).toBe(unauthenticated.headers['x-request-id']);
    expect(lineOf(unauthenticated.body.requestId as string)).toMatchObject({ res: { status: 401 } });
    const badJson = await t.http.post('/api/sample/tickets').set('Authorization', `Bearer ${alice}`).set('Content-Type', 'application/json').send('{"leaf":').expect(400);
    expect(badJson.body.requestId).toBe(badJson.headers['x-request-id']);
    const unknownRoute = await t.http.get('/api/sample/nothing-here').expect(404);
    expect(unknownRoute.body.requestId).toBe(unknownRoute.headers['x-request-id']);
  });

  it('writes no cookie, password or mail body', async () => {
    await t.http
      .post('/sample/login/demo')
      .set('Cookie', 'guichet_session=cookie-value-that-must-not-leak')
      .type('form')
      .send({ login: 'alice', password: 'password-that-must-not-leak' });
    await t.http
      .post('/api/sample/tickets')
      .set('Authorization', `Bearer ${alice}`)
      .send({ leaf: 'otp-order', values: { title: 'Clés', description: 'description-that-must-not-leak' } })
      .expect(201);
    const text = logs.text();
    expect(text).not.toContain('cookie-value-that-must-not-leak');
    expect(text).not.toContain('password-that-must-not-leak');
    expect(text).not.toContain('description-that-must-not-leak');
  });
});
