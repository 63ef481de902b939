import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { createContext } from '../../src/bootstrap.js';
import { BackgroundJobs } from '../../src/jobs/background-jobs.js';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';
import { closedPort, WebhookReceiver } from '../setup/webhook-receiver.js';

/**
 * The webhooks plugin against real HTTP receivers on loopback: signed deliveries verified with
 * the `standardwebhooks` library, retries (refused connection, timeout, 500) with backoff and a
 * dead letter, nothing for a rolled-back action, two instances sending each delivery once, and
 * tenants kept apart.
 */
const T = 'sample';
const RETRY_MS = 60_000;
const OPTIONS = `{ allowHttp: true, allowPrivateNetworks: true, timeoutMs: 300, retryBaseMs: ${RETRY_MS}, maxAttempts: 3, batchSize: 4 }`;

function packs(): string {
  const root = fixturePacksWith({ sample: (y) => y.replace('  - { plugin: webhooks }', `  - { plugin: webhooks, options: ${OPTIONS} }`) });
  // A third tenant whose pack does not turn webhooks on.
  cpSync(join(root, 'daily'), join(root, 'quiet'), { recursive: true });
  const file = join(root, 'quiet', 'tenant.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('id: daily', 'id: quiet').replace('plugins:\n  - { plugin: webhooks }\n', ''));
  return root;
}

interface Subscription {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  secret?: string;
}

interface Delivery {
  id: string;
  event: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  payload: { type: string; data: { tenant: string; ticket: { reference: string } } };
  log: { attempt: number; statusCode: number | null; durationMs: number; error: string | null }[];
}

describe('webhooks plugin', () => {
  let t: TestApp;
  let admin: string;
  let receiver: WebhookReceiver;
  const base = `/api/${T}/plugins/webhooks`;

  beforeAll(async () => {
    // Signatures carry the attempt's time and receivers check it against theirs: the clock starts now.
    t = await startTestApp({ tenantsDir: packs(), now: new Date().toISOString() });
    admin = await t.token(T, 'admin', ['read', 'write', 'admin']);
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });
  // Each test starts without subscriptions, whatever the previous one left.
  afterEach(async () => {
    const left: Subscription[] = (await t.http.get(`${base}/subscriptions`).set('Authorization', `Bearer ${admin}`).expect(200)).body;
    for (const sub of left) await unsubscribe(sub);
  });

  async function subscribe(url: string, events: string[], tenant = T, token = admin): Promise<Subscription> {
    return (await t.http.post(`/api/${tenant}/plugins/webhooks/subscriptions`).set('Authorization', `Bearer ${token}`).send({ url, events }).expect(201)).body;
  }

  async function deliveries(subscription: Subscription): Promise<Delivery[]> {
    return (await t.http.get(`${base}/subscriptions/${subscription.id}/deliveries`).set('Authorization', `Bearer ${admin}`).expect(200)).body.items;
  }

  async function unsubscribe(subscription: Subscription): Promise<void> {
    await t.http.delete(`${base}/subscriptions/${subscription.id}`).set('Authorization', `Bearer ${admin}`).expect(204);
  }

  async function newTicket(title = 'Clé OTP bloquée') {
    const alice = await t.core.as(T, 'alice');
    return t.core.tickets.create(alice, { leaf: 'otp-order', values: { title, description: 'Elle clignote.', establishment: '9740049K' } });
  }

  async function comment(reference: string, body = 'Toujours bloquée.') {
    await t.core.actions.comment(await t.core.as(T, 'alice'), reference, body);
  }

  it('delivers a signed event that the receiver verifies with the Standard Webhooks library', async () => {
    const sub = await subscribe(receiver.url, ['ticket.created', 'ticket.commented']);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = (await t.http.get(`${base}/subscriptions`).set('Authorization', `Bearer ${admin}`).expect(200)).body;
    expect(listed).toEqual([expect.objectContaining({ id: sub.id, url: receiver.url, events: ['ticket.created', 'ticket.commented'], active: true, pending: 0, dead: 0 })]);
    expect(JSON.stringify(listed)).not.toContain(sub.secret);

    const ticket = await newTicket();
    const [waiting] = await deliveries(sub);
    expect(waiting).toMatchObject({ event: 'ticket.created', status: 'pending', attempts: 0, log: [] });

    const before = receiver.received.length;
    await t.core.runPluginTasks();
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    const headers = { 'webhook-id': String(got[0].headers['webhook-id']), 'webhook-timestamp': String(got[0].headers['webhook-timestamp']), 'webhook-signature': String(got[0].headers['webhook-signature']) };
    const verified = new Webhook(sub.secret!).verify(got[0].body, headers) as Delivery['payload'];
    expect(verified).toMatchObject({ type: 'ticket.created', data: { tenant: T, ticket: { reference: ticket.reference, status: 'assigned' } } });
    expect(headers['webhook-id']).toBe(`msg_${waiting.id}`);
    expect(got[0].headers['content-type']).toBe('application/json');
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got[0].body, headers)).toThrow();

    const [done] = await deliveries(sub);
    expect(done).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204, lastError: null, nextAttemptAt: null });
    expect(done.log).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, error: null })]);
    expect(done.log[0].durationMs).toBeGreaterThanOrEqual(0);
    // Delivered once: another run sends nothing.
    await t.core.runPluginTasks();
    expect(receiver.received.length).toBe(before + 1);
  });

  it("describes each event by ids and keys: a transition's topic, an attachment's file name", async () => {
    const sub = await subscribe(receiver.url, ['ticket.transitioned', 'ticket.attachment-added']);
    const ticket = await newTicket();
    const agent = await t.token(T, 'agent');
    await t.http.post(`/api/${T}/tickets/${ticket.reference}/transitions`).set('Authorization', `Bearer ${agent}`).send({ transition: 'take' }).expect(200);
    const alice = await t.token(T, 'alice');
    await t.http.post(`/api/${T}/tickets/${ticket.reference}/attachments`).set('Authorization', `Bearer ${alice}`).attach('file', Buffer.from('log'), 'trace.txt').expect(201);
    const before = receiver.received.length;
    await t.core.runPluginTasks();
    const bodies = receiver.received.slice(before).map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    expect(bodies.map((b) => b.type).sort()).toEqual(['ticket.attachment-added', 'ticket.transitioned']);
    expect(bodies.find((b) => b.type === 'ticket.transitioned')!.data).toMatchObject({ transition: 'take', from: 'assigned', to: 'taken', topic: expect.any(String), ticket: { reference: ticket.reference, status: 'taken' } });
    expect(bodies.find((b) => b.type === 'ticket.attachment-added')!.data).toMatchObject({ fileName: 'trace.txt', entry: expect.any(String) });
    expect((await deliveries(sub)).every((d) => d.status === 'delivered')).toBe(true);
  });

  it('retries a 500 after the backoff, with the same webhook-id, until the receiver accepts it', async () => {
    const sub = await subscribe(receiver.url, ['ticket.commented']);
    const ticket = await newTicket();
    await comment(ticket.reference);
    const before = receiver.received.length;
    receiver.answerNext({ status: 500 });
    await t.core.runPluginTasks();
    let [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(new Date(delivery.nextAttemptAt!).getTime()).toBe(t.clock.now().getTime() + RETRY_MS);

    await t.core.runPluginTasks();
    expect(receiver.received.length).toBe(before + 1);
    t.clock.advance(RETRY_MS);
    await t.core.runPluginTasks();
    [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 204 });
    expect(delivery.log.map((a) => a.statusCode)).toEqual([500, 204]);
    const got = receiver.received.slice(before);
    expect(got.map((r) => r.headers['webhook-id'])).toEqual([`msg_${delivery.id}`, `msg_${delivery.id}`]);
    expect(got[0].body).toBe(got[1].body);
    for (const r of got) expect(() => new Webhook(sub.secret!).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
  });

  it('retries a receiver that is down with exponential backoff, then keeps the delivery as dead', async () => {
    const sub = await subscribe(`http://127.0.0.1:${await closedPort()}/hook`, ['ticket.commented']);
    const ticket = await newTicket();
    await comment(ticket.reference);
    await t.core.runPluginTasks();
    let [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(delivery.lastError).toMatch(/ECONNREFUSED/);
    // Not due before the backoff: base after the first failure, twice that after the second.
    t.clock.advance(RETRY_MS - 1000);
    await t.core.runPluginTasks();
    expect((await deliveries(sub))[0].attempts).toBe(1);
    t.clock.advance(1000);
    await t.core.runPluginTasks();
    [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2 });
    expect(new Date(delivery.nextAttemptAt!).getTime()).toBe(t.clock.now().getTime() + 2 * RETRY_MS);
    t.clock.advance(2 * RETRY_MS);
    await t.core.runPluginTasks();
    [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'dead', attempts: 3, nextAttemptAt: null });
    expect(delivery.log.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(delivery.log.every((a) => /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
    t.clock.advance(86_400_000);
    await t.core.runPluginTasks();
    expect((await deliveries(sub))[0].attempts).toBe(3);
    expect((await t.http.get(`${base}/subscriptions/${sub.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body).toMatchObject({ pending: 0, dead: 1 });

    // An administrator sends it again, once the receiver is back: same webhook-id, fresh attempts.
    await t.http.patch(`${base}/subscriptions/${sub.id}`).set('Authorization', `Bearer ${admin}`).send({ url: receiver.url }).expect(200);
    await t.http.post(`${base}/deliveries/${delivery.id}/retry`).set('Authorization', `Bearer ${admin}`).expect(200, { id: delivery.id, status: 'pending' });
    await t.core.runPluginTasks();
    expect(receiver.ids().at(-1)).toBe(`msg_${delivery.id}`);
    expect((await deliveries(sub))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    await t.http.post(`${base}/deliveries/${delivery.id}/retry`).set('Authorization', `Bearer ${admin}`).expect(409);
  });

  it('counts a receiver that does not answer in time as a failed attempt, and retries it', async () => {
    const sub = await subscribe(receiver.url, ['ticket.commented']);
    const ticket = await newTicket();
    await comment(ticket.reference);
    const before = receiver.received.length;
    receiver.answerNext({ status: 204, delayMs: 2000 });
    await t.core.runPluginTasks();
    let [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(delivery.lastError).toMatch(/ETIMEDOUT: no answer within 300 ms/);
    expect(delivery.log[0].durationMs).toBeGreaterThanOrEqual(290);
    t.clock.advance(RETRY_MS);
    await t.core.runPluginTasks();
    [delivery] = await deliveries(sub);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    // At least once: the receiver saw the slow attempt too, with the same id to deduplicate on.
    expect(receiver.ids().slice(before)).toEqual([`msg_${delivery.id}`, `msg_${delivery.id}`]);
  });

  it('sends nothing for an action that was refused or rolled back', async () => {
    const sub = await subscribe(receiver.url, ['ticket.transitioned', 'ticket.commented']);
    const ticket = await newTicket();
    const alice = await t.token(T, 'alice');
    await t.http.post(`/api/${T}/tickets/${ticket.reference}/transitions`).set('Authorization', `Bearer ${alice}`).send({ transition: 'close' }).expect(409);
    // A later in-transaction subscriber fails: the comment, and the delivery written before it, roll back.
    let written = 0;
    const off = t.core.events.on('ticket.commented', async (ctx) => {
      written = (await ctx.query<{ n: number }>(`SELECT count(*)::int AS n FROM plugin_webhooks_delivery WHERE subscription_id = $1`, [sub.id]))[0].n;
      throw new Error('refused by a later subscriber');
    });
    try {
      await expect(comment(ticket.reference)).rejects.toThrow('refused by a later subscriber');
    } finally {
      off();
    }
    expect(written).toBe(1);
    expect(await deliveries(sub)).toEqual([]);
    const before = receiver.received.length;
    await t.core.runPluginTasks();
    expect(receiver.received.length).toBe(before);
    // The same comment, committed, is delivered.
    await comment(ticket.reference);
    expect((await deliveries(sub)).map((d) => d.event)).toEqual(['ticket.commented']);
  });

  it('never sends a delivery twice when two instances run the worker together', async () => {
    const second = await t.secondCore();
    const sub = await subscribe(receiver.url, ['ticket.commented']);
    const ticket = await newTicket();
    for (let i = 0; i < 16; i++) await comment(ticket.reference, `Relance ${i}`);
    receiver.answerAlways({ status: 204, delayMs: 40 });
    const before = receiver.received.length;
    try {
      const [one, two] = await Promise.all([t.core.runPluginTasks(), second.runPluginTasks()]);
      const sent = (reports: typeof one) => reports.filter((r) => r.tenant === T).reduce((n, r) => n + ((r.result as { delivered: number } | undefined)?.delivered ?? 0), 0);
      expect(sent(one) + sent(two)).toBe(16);
      expect(sent(one)).toBeGreaterThan(0);
      expect(sent(two)).toBeGreaterThan(0);
    } finally {
      receiver.answerAlways({ status: 204 });
    }
    const ids = receiver.ids().slice(before);
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(16);
    expect((await deliveries(sub)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
  });

  it('runs the worker on the plugin-task interval in an instance that has one', async () => {
    const sub = await subscribe(receiver.url, ['ticket.commented']);
    const ticket = await newTicket();
    await comment(ticket.reference);
    const before = receiver.received.length;
    const instance = await createContext({ ...t.config, jobs: { pluginTasksMs: 50 } }, { clock: t.clock, seed: false, logger: ['error'] });
    try {
      for (let waited = 0; receiver.received.length === before && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await instance.close();
    }
    expect(receiver.received.length).toBe(before + 1);
    expect((await deliveries(sub))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('refuses to send to a URL the pack no longer allows (an instance started on a stricter pack)', async () => {
    const sub = await subscribe(receiver.url, ['ticket.commented']);
    const ticket = await newTicket();
    await comment(ticket.reference);
    const before = receiver.received.length;
    const strict = fixturePacksWith({ sample: (y) => y.replace('  - { plugin: webhooks }', '  - { plugin: webhooks, options: { maxAttempts: 3 } }') });
    const instance = await createContext({ ...t.config, tenantsDir: strict }, { clock: t.clock, seed: false, logger: ['error'] });
    try {
      await instance.get(BackgroundJobs).runPluginTasks();
    } finally {
      await instance.close();
    }
    expect(receiver.received.length).toBe(before);
    expect((await deliveries(sub))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'ENOTALLOWED: the pack wants an https:// URL' });
  });

  describe('administration', () => {
    it('keeps each tenant to its own subscriptions and deliveries (404), and refuses another tenant’s token (401)', async () => {
      const sub = await subscribe(receiver.url, ['ticket.created']);
      await newTicket();
      const [delivery] = await deliveries(sub);
      const ctx = t.core.context('daily');
      await t.core.directory.upsertPerson(ctx, { login: 'boss', name: 'Boss Daily', roles: ['admin', 'agent'] });
      const other = await t.token('daily', 'boss', ['read', 'write', 'admin']);
      const theirs = `/api/daily/plugins/webhooks`;
      const auth = (r: { set(k: string, v: string): unknown }) => r.set('Authorization', `Bearer ${other}`);
      expect((await t.http.get(`${theirs}/subscriptions`).set('Authorization', `Bearer ${other}`).expect(200)).body).toEqual([]);
      for (const [method, path] of [
        ['get', `/subscriptions/${sub.id}`],
        ['patch', `/subscriptions/${sub.id}`],
        ['delete', `/subscriptions/${sub.id}`],
        ['post', `/subscriptions/${sub.id}/secret`],
        ['get', `/subscriptions/${sub.id}/deliveries`],
        ['post', `/deliveries/${delivery.id}/retry`],
      ] as const) {
        const req = t.http[method](`${theirs}${path}`);
        auth(req);
        await (method === 'patch' ? req.send({ active: false }) : req).expect(404);
        const foreign = t.http[method](`${base}${path}`);
        auth(foreign);
        await foreign.expect(401);
      }
      expect((await t.http.get(`${base}/subscriptions/${sub.id}`).set('Authorization', `Bearer ${admin}`).expect(200)).body).toMatchObject({ active: true, url: receiver.url });
      await unsubscribe(sub);
    });

    it('needs a token with the admin scope, for a person with the admin role', async () => {
      await t.http.get(`${base}/subscriptions`).expect(401);
      await t.http.get(`${base}/subscriptions`).set('Authorization', `Bearer ${await t.token(T, 'admin', ['read', 'write'])}`).expect(403);
      await t.http.get(`${base}/subscriptions`).set('Authorization', `Bearer ${await t.token(T, 'agent', ['read', 'write', 'admin'])}`).expect(403);
    });

    it('checks URLs and events, and rotates the secret', async () => {
      const ctx = t.core.context('daily');
      await t.core.directory.upsertPerson(ctx, { login: 'boss', name: 'Boss Daily', roles: ['admin', 'agent'] });
      const other = await t.token('daily', 'boss', ['read', 'write', 'admin']);
      const post = (body: object) => t.http.post('/api/daily/plugins/webhooks/subscriptions').set('Authorization', `Bearer ${other}`).send(body);
      // The daily pack keeps the defaults: https only, public addresses only.
      for (const url of ['http://hooks.example.org/x', 'https://127.0.0.1/x', 'https://[::1]/x', 'https://localhost/x', 'https://10.1.2.3/x', 'ftp://hooks.example.org', 'pas une url']) {
        const res = await post({ url, events: ['ticket.created'] }).expect(400);
        expect(res.body.details).toEqual([expect.objectContaining({ field: 'url', rule: 'url' })]);
      }
      const bad = await post({ url: 'https://hooks.example.org/x', events: ['ticket.changed', 'ticket.created'] }).expect(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'events', rule: 'option' })]);
      await post({ url: 'https://hooks.example.org/x', events: [] }).expect(400);
      const created = (await post({ url: 'https://hooks.example.org/x', events: ['ticket.created', 'ticket.created'], description: 'Supervision' }).expect(201)).body;
      expect(created).toMatchObject({ events: ['ticket.created'], description: 'Supervision', active: true });
      const rotated = (await t.http.post(`/api/daily/plugins/webhooks/subscriptions/${created.id}/secret`).set('Authorization', `Bearer ${other}`).expect(200)).body;
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(created.secret);
      await t.http.delete(`/api/daily/plugins/webhooks/subscriptions/${created.id}`).set('Authorization', `Bearer ${other}`).expect(204);
      await t.http.get(`/api/daily/plugins/webhooks/subscriptions/${created.id}`).set('Authorization', `Bearer ${other}`).expect(404);
      await t.http.get(`/api/daily/plugins/webhooks/subscriptions/not-a-uuid`).set('Authorization', `Bearer ${other}`).expect(404);
    });

    it('answers 404 in a tenant whose pack does not turn webhooks on, and writes nothing there', async () => {
      const ctx = t.core.context('quiet');
      await t.core.directory.upsertPerson(ctx, { login: 'boss', name: 'Boss Quiet', roles: ['admin', 'agent'] });
      const token = await t.token('quiet', 'boss', ['read', 'write', 'admin']);
      await t.http.get('/api/quiet/plugins/webhooks/subscriptions').set('Authorization', `Bearer ${token}`).expect(404);
      await t.http.post('/api/quiet/plugins/webhooks/subscriptions').set('Authorization', `Bearer ${token}`).send({ url: 'https://hooks.example.org/x', events: ['ticket.created'] }).expect(404);
      const reports = await t.core.runPluginTasks();
      expect(reports).toContainEqual({ job: 'webhooks:deliveries', tenant: 'quiet', result: undefined });
    });
  });
  it("delivers a timer's automatic closure like a person's transition", async () => {
    const sub = await subscribe(receiver.url, ['ticket.transitioned']);
    const ticket = await newTicket('Fermée par le minuteur');
    const agent = await t.token(T, 'agent');
    await t.http.post(`/api/${T}/tickets/${ticket.reference}/transitions`).set('Authorization', `Bearer ${agent}`).send({ transition: 'resolve', solution: 'Clé remplacée.' }).expect(200);
    t.clock.advance(15 * 86_400_000);
    await t.core.runTimers();
    const before = receiver.received.length;
    await t.core.runPluginTasks();
    const closures = receiver.received
      .slice(before)
      .map((r) => JSON.parse(r.body) as { type: string; data: { transition: string; topic: string; ticket: { reference: string } } })
      .filter((b) => b.data.ticket.reference === ticket.reference);
    expect(closures.map((b) => [b.data.transition, b.data.topic]).sort()).toEqual([['auto-close', 'ticket.closed'], ['resolve', 'ticket.resolved']]);
    await unsubscribe(sub);
  });
});
