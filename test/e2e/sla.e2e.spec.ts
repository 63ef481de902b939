import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { SmtpSink } from '../setup/smtp-sink.js';
import { ROOT, startTestApp, type TestApp } from '../setup/test-app.js';

/**
 * SLA clocks on the `desk` fixture pack: Monday–Friday 08:00–12:00 and 13:30–17:30 in Paris,
 * French public holidays; p1 tickets are to be taken in 30 minutes and resolved in 4 hours, the
 * others in 2 hours and 2 working days; warning at half the time. The clock starts on Monday
 * 9 March 2026 at 09:00 in Paris.
 */
const API = '/api/desk';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Clock {
  clock: 'take' | 'resolve';
  dueAt: string | null;
  state: string;
  left: number;
  warning: boolean;
  breached: boolean;
}

describe('SLA on the business calendar', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const tokens: Record<string, string> = {};
  const auth = (login: string) => ({ Authorization: `Bearer ${tokens[login]}` });
  let urgent: { id: string; reference: string; createdAt: string };
  let normal: { id: string; reference: string; createdAt: string };

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({
      tenantsDir: join(ROOT, 'test', 'fixtures', 'desk-packs'),
      now: '2026-03-09T08:00:00Z',
      mail: { smtpUrl: sink.url, domain: 'guichet.test', batchSize: 50, smtpTimeoutMs: 2000 },
    });
    for (const login of ['alice', 'nina', 'root']) tokens[login] = await t.token('desk', login);
    const create = async (values: Record<string, unknown>) =>
      (await t.http.post(`${API}/tickets`).set(auth('alice')).send({ leaf: 'wifi-down', values: { title: 'Wi-Fi', description: 'Coupé', ...values } }).expect(201)).body;
    normal = await create({});
    t.clock.advance(1000);
    urgent = await create({ impact: 'establishment', urgency: 'high' });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const clocks = async (ref: string): Promise<Record<string, Clock>> => {
    const res = await t.http.get(`${API}/desk/tickets/${ref}`).set(auth('nina')).expect(200);
    return Object.fromEntries(res.body.desk.sla.map((c: Clock) => [c.clock, c]));
  };
  const events = async (ticketId: string, type: string) =>
    (await t.core.deps.dataSource.query(`SELECT data FROM ticket_event WHERE ticket_id = $1 AND type = $2`, [ticketId, type])) as { data: Record<string, unknown> }[];
  const mails = async (ticketId: string, topic: string) =>
    (await t.core.deps.dataSource.query(
      `SELECT p.login FROM outbox o JOIN person p ON p.tenant_id = o.tenant_id AND p.id = o.recipient_id WHERE o.ticket_id = $1 AND o.topic = $2 ORDER BY p.login`,
      [ticketId, topic],
    )) as { login: string }[];
  const at = (base: string, offsetMs: number) => new Date(new Date(base).getTime() + offsetMs).toISOString();

  it('sets due instants in working time and sorts the queue by time left', async () => {
    const u = await clocks(urgent.reference);
    expect(u.take).toMatchObject({ dueAt: at(urgent.createdAt, 30 * MINUTE), state: 'running', warning: false, breached: false, left: 30 * MINUTE });
    expect(u.resolve.dueAt).toBe(at(urgent.createdAt, 5.5 * HOUR)); // 3 h to noon, lunch, 1 h from 13:30
    const n = await clocks(normal.reference);
    expect(n.take.dueAt).toBe(at(normal.createdAt, 2 * HOUR));
    // Two working days of 8 h: Monday 7 h, Tuesday 8 h, Wednesday 1 h → Wednesday 09:00.
    expect(n.resolve.dueAt).toBe(at(normal.createdAt, 2 * DAY));
    const queue = (await t.http.get(`${API}/desk/queue?sort=due`).set(auth('nina')).expect(200)).body;
    expect(queue.items.map((i: { reference: string }) => i.reference)).toEqual([urgent.reference, normal.reference]);
    expect(queue.items[0].sla).toMatchObject({ dueAt: at(urgent.createdAt, 30 * MINUTE), mark: 'ok' });
    const defaultOrder = (await t.http.get(`${API}/desk/queue`).set(auth('nina')).expect(200)).body;
    expect(defaultOrder.items[0].reference).toBe(urgent.reference); // p1 before p3
  });

  it('fires the warning, then the breach exactly once with two instances running together', async () => {
    t.clock.set(at(urgent.createdAt, 16 * MINUTE));
    await t.core.runTimers();
    const [warning] = await events(urgent.id, 'sla-warning');
    expect(warning.data.clock).toBe('take');
    expect(new Date(String(warning.data.dueAt)).toISOString()).toBe(at(urgent.createdAt, 30 * MINUTE));
    expect(await events(urgent.id, 'sla-warning')).toHaveLength(1);
    expect(await mails(urgent.id, 'ticket.sla-warning')).toEqual([{ login: 'nina' }]);
    expect(await events(normal.id, 'sla-warning')).toEqual([]);
    expect((await clocks(urgent.reference)).take).toMatchObject({ warning: true, breached: false });

    t.clock.set(at(urgent.createdAt, 31 * MINUTE));
    const other = await t.secondCore();
    const reports = (await Promise.all([t.core.runTimers(), other.runTimers()])).flat();
    expect(reports.filter((r) => r.tenant === 'desk' && r.timer === 'sla-breached').reduce((n, r) => n + r.affected, 0)).toBe(1);
    await t.core.runTimers();
    expect((await events(urgent.id, 'sla-breached')).map((e) => e.data.clock)).toEqual(['take']);
    expect(await mails(urgent.id, 'ticket.sla-breached')).toEqual([{ login: 'nina' }]);
    sink.clear();
    await t.core.runOutbox();
    const sent = sink.received.filter((m) => m.mail.subject?.includes(urgent.reference) && m.mail.subject.includes('délai dépassé'));
    expect(sent.map((m) => m.envelope.to)).toEqual([['nina@example.org']]);
    expect(sent[0].mail.text).toContain(`Le dossier ${urgent.reference} « Wi-Fi » (équipe Réseau) a dépassé son délai de prise en charge (échéance du`);
    expect(await events(urgent.id, 'sla-warning')).toHaveLength(1);
    const row = (await t.http.get(`${API}/desk/queue?sla=breached`).set(auth('nina')).expect(200)).body.items;
    expect(row.map((i: { reference: string }) => i.reference)).toEqual([urgent.reference]);
    expect(row[0].sla.mark).toBe('breached');
    expect((await clocks(urgent.reference)).take.left).toBe(-MINUTE);
    // Private: the requester's view has no trace of it.
    const mine = (await t.http.get(`${API}/tickets/${urgent.reference}`).set(auth('alice')).expect(200)).body;
    expect(mine.history.map((e: { type: string }) => e.type)).not.toContain('sla-breached');
  });

  it('stops the take clock when taken, pauses while waiting on the requester, resumes after a timer', async () => {
    await t.http.post(`${API}/desk/tickets/${normal.reference}/take`).set(auth('nina')).expect(200);
    const taken = await clocks(normal.reference);
    expect(taken.take).toMatchObject({ state: 'met', dueAt: null });
    await t.http.post(`${API}/desk/tickets/${normal.reference}/ask`).set(auth('nina')).send({ reason: 'Quelle salle ?' }).expect(200);
    const paused = await clocks(normal.reference);
    expect(paused.resolve).toMatchObject({ state: 'paused', dueAt: null });
    const used = 31 * MINUTE + 1000; // created one second before the urgent ticket
    expect(paused.resolve.left).toBe(16 * HOUR - used);

    // Three calendar days later the pack's timer resumes the ticket: the transition is applied like a
    // person's, so the clock restarts in the timer's own transaction and the SLA job finds nothing stale.
    t.clock.advance(3 * DAY);
    const resumedAt = t.clock.now().toISOString(); // Thursday 12 March, 09:31
    const reports = await t.core.runTimers();
    expect(reports.find((r) => r.tenant === 'desk' && r.timer === 'sla-sync')?.affected).toBe(0);
    const resumed = await clocks(normal.reference);
    expect(resumed.resolve.state).toBe('running');
    // Left: 16 h − 31 min 1 s: Thursday 09:31:01–12:00 and 13:30–17:30, Friday 8 h, Monday 16 March 08:00–09:00.
    expect(resumed.resolve.dueAt).toBe('2026-03-16T08:00:00.000Z');
    expect(new Date(resumedAt) < new Date(resumed.resolve.dueAt!)).toBe(true);
  });
});
