import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serve, type Serving } from '../../src/bootstrap.js';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const TOKEN = 'metrics-token-0123456789';

/** Prometheus metrics: behind a bearer token on the main port, or on a port of their own. */
describe('metrics', () => {
  let t: TestApp;
  let serving: Serving;
  let alice: string;

  beforeAll(async () => {
    const tenantsDir = fixturePacksWith({ sample: (y) => `${y}\nauth:\n  - { plugin: demo }\n  - { plugin: local }\n` });
    t = await startTestApp({ tenantsDir, config: { metrics: { token: TOKEN }, jobs: { outboxMs: 60_000 } } });
    alice = await t.token('sample', 'alice');
    serving = await serve(t.app, { port: 0, host: '127.0.0.1', metricsPort: 0 });
  });
  afterAll(async () => {
    await serving?.shutdown();
    await t?.close();
  });

  const scrape = async () => (await t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;

  it('refuses a scrape without the token', async () => {
    await t.http.get('/metrics').expect(401);
    await t.http.get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token').expect(401);
  });

  it('counts HTTP requests by route template, status and tenant, never by raw path', async () => {
    await t.http.post('/api/sample/tickets').set('Authorization', `Bearer ${alice}`).send({ leaf: 'otp-order', values: { title: 'Métrique', description: 'compte' } }).expect(201);
    await t.http.get('/api/sample/tickets/R-424242').set('Authorization', `Bearer ${alice}`).expect(404);
    await t.http.get('/api/no-such-tenant/tickets/x').expect(404);
    const text = await scrape();
    expect(text).toMatch(/guichet_http_request_duration_seconds_count\{method="POST",route="\/api\/:tenant\/tickets",status="201",tenant="sample"\} 1/);
    expect(text).toMatch(/guichet_http_request_duration_seconds_count\{method="GET",route="\/api\/:tenant\/tickets\/:ref",status="404",tenant="sample"\} 1/);
    expect(text).not.toContain('R-424242');
    expect(text).not.toContain('no-such-tenant');
  });

  it('shows the outbox backlog and its oldest mail, the pool, the jobs and the process', async () => {
    const text = await scrape();
    // The ticket created above notified its requester: a pending mail (no SMTP server here).
    expect(Number(/guichet_outbox_pending\{tenant="sample"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/guichet_outbox_oldest_pending_seconds\{tenant="sample"\} [\d.]+/);
    expect(text).toMatch(/guichet_outbox_dead\{tenant="sample"\} 0/);
    expect(text).toMatch(/guichet_db_pool_connections\{state="open"\} \d+/);
    expect(text).toMatch(/guichet_db_pool_waiting \d+/);
    expect(text).toMatch(/guichet_job_seconds_since_run\{job="guichet-outbox"\} [\d.]+/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds/);
  });

  it('counts refused sign-ins by tenant and reason', async () => {
    await t.http.post('/sample/auth/local').type('form').send({ login: 'alice', password: 'wrong' }).expect(401);
    await t.http.post('/sample/auth/local').type('form').send({ login: 'nobody', password: 'wrong' }).expect(401);
    expect(await scrape()).toMatch(/guichet_sign_in_failures_total\{tenant="sample",reason="credentials"\} 2/);
  });

  it('serves the same metrics on a port of its own, with nothing else there', async () => {
    const port = (serving.metricsServer!.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('guichet_http_request_duration_seconds');
    expect((await fetch(`http://127.0.0.1:${port}/api/sample/tickets`)).status).toBe(404);
  });
});
