import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { serve, type Serving } from '../../src/bootstrap.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A request whose body is sent in two halves, the second when the test says so. */
function slowCreate(port: number, token: string, title: string) {
  const body = JSON.stringify({ leaf: 'otp-order', values: { title, description: 'envoyée en deux fois' } });
  const half = Math.floor(body.length / 2);
  const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/sample/tickets', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: `Bearer ${token}` } });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, half));
  return { answer, finish: () => req.end(body.slice(half)) };
}

describe('graceful shutdown', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  async function started(timeoutMs: number): Promise<{ t: TestApp; serving: Serving; port: number; token: string }> {
    const t = await startTestApp();
    apps.push(t);
    const serving = await serve(t.app, { port: 0, host: '127.0.0.1', timeoutMs });
    return { t, serving, port: (serving.server.address() as AddressInfo).port, token: await t.token('sample', 'alice') };
  }

  it('stops accepting, lets every request in flight finish, then closes the pool: no request fails', async () => {
    const { t, serving, port, token } = await started(10_000);
    const slow = slowCreate(port, token, 'Lente');
    await until(() => serving.inFlight() === 1);
    // A burst of requests received (headers read) but still sending their bodies: in flight, whatever the server's speed.
    const burst = Array.from({ length: 12 }, (_, i) => slowCreate(port, token, `Rafale ${i}`));
    // A connection whose request has not arrived yet is not in flight; readiness answering 503 for
    // GUICHET_SHUTDOWN_DELAY_MS first is what keeps a load balancer from opening those.
    await until(() => serving.inFlight() === 1 + burst.length);
    const stopped = serving.shutdown();
    // New connections are refused at once…
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    // …while the requests already received are answered, once their bodies arrive.
    slow.finish();
    for (const request of burst) request.finish();
    const answers = await Promise.all([slow, ...burst].map((r) => r.answer.then((a) => a.status)));
    expect(answers.every((s) => s === 201)).toBe(true);
    await stopped;
    expect(t.app.get(DataSource).isInitialized).toBe(false);
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT title, count(*)::int AS n FROM ticket WHERE tenant_id = 'sample' AND (title = 'Lente' OR title LIKE 'Rafale %') GROUP BY title`);
    await client.end();
    expect(rows).toHaveLength(1 + burst.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  }, 30_000);

  it('bounds the wait: a request that never finishes is cut after the timeout', async () => {
    const { serving, port, token } = await started(300);
    const stuck = slowCreate(port, token, 'Jamais finie');
    await until(() => serving.inFlight() === 1);
    const started_ = Date.now();
    await serving.shutdown();
    expect(Date.now() - started_).toBeLessThan(3000);
    await expect(stuck.answer).rejects.toThrow();
  }, 30_000);
});
