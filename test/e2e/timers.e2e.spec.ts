import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const DAY = 86_400_000;

describe('timers from the pack (set-based, once per ticket)', () => {
  let t: TestApp;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ now: '2026-05-04T07:00:00Z' });
  });
  afterAll(() => t?.close());

  async function resolvedTickets(count: number): Promise<string[]> {
    const [alice, agent] = await Promise.all([t.token('sample', 'alice'), t.token('sample', 'agent')]);
    const refs: string[] = [];
    for (let i = 0; i < count; i++) {
      const { body } = await t.http.post('/api/sample/tickets').set(auth(alice)).send({ leaf: 'otp-order', values: { title: `Timer ${i}`, description: 'x' } }).expect(201);
      await t.http.post(`/api/sample/tickets/${body.reference}/transitions`).set(auth(agent)).send({ transition: 'resolve', solution: 'Fait' }).expect(200);
      refs.push(body.reference);
    }
    return refs;
  }

  async function statusOf(ref: string): Promise<string> {
    const [row] = await t.core.deps.dataSource.query(`SELECT status FROM ticket WHERE tenant_id = 'sample' AND reference = $1`, [ref]);
    return row?.status;
  }

  it('closes resolved tickets 14 days later, exactly once with two instances running together', async () => {
    const refs = await resolvedTickets(6);
    t.clock.advance(14 * DAY - 60_000);
    await t.core.runTimers();
    expect(await Promise.all(refs.map(statusOf))).toEqual(Array(6).fill('resolved'));

    t.clock.advance(120_000);
    const other = await t.secondCore();
    const [a, b] = await Promise.all([t.core.runTimers(), other.runTimers()]);
    const closedBy = (reports: { tenant: string; timer: string; affected: number }[]) => reports.filter((r) => r.tenant === 'sample' && r.timer === 'timer-1').reduce((n, r) => n + r.affected, 0);
    expect(closedBy(a) + closedBy(b)).toBe(6 + 1); // and the demo ticket resolved at seeding time
    expect(await Promise.all(refs.map(statusOf))).toEqual(Array(6).fill('closed'));
    const events = await t.core.deps.dataSource.query(
      `SELECT t.reference, count(*)::int AS n FROM ticket_event e JOIN ticket t ON t.tenant_id = e.tenant_id AND t.id = e.ticket_id
       WHERE e.tenant_id = 'sample' AND e.data->>'timer' = 'timer-1' AND t.reference = ANY($1) GROUP BY t.reference`,
      [refs],
    );
    expect(events.map((e: { n: number }) => e.n)).toEqual(Array(6).fill(1));
    const mails = await t.core.deps.dataSource.query(
      `SELECT count(*)::int AS n FROM outbox o JOIN ticket t ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id
       WHERE o.tenant_id = 'sample' AND o.topic = 'ticket.closed' AND t.reference = ANY($1)`,
      [refs],
    );
    expect(mails[0].n).toBe(6);
    expect((await t.core.runTimers()).find((r) => r.tenant === 'sample' && r.timer === 'timer-1')!.affected).toBe(0);
  });

  it('refuses to rewrite history', async () => {
    await expect(t.core.deps.dataSource.query(`UPDATE ticket_event SET type = 'x' WHERE tenant_id = 'sample'`)).rejects.toThrow(/append-only/);
    await expect(t.core.deps.dataSource.query(`DELETE FROM ticket_event WHERE tenant_id = 'sample'`)).rejects.toThrow(/append-only/);
  });

  it('purges closed tickets after the retention period, with their history', async () => {
    const [ref] = await resolvedTickets(1);
    t.clock.advance(15 * DAY);
    await t.core.runTimers();
    expect(await statusOf(ref)).toBe('closed');
    t.clock.advance(365 * DAY);
    const reports = await t.core.runTimers();
    expect(reports.find((r) => r.tenant === 'sample' && r.timer === 'retention')!.affected).toBe(8); // this one and the 7 closed in the first test
    expect(await statusOf(ref)).toBeUndefined();
    const left = await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM ticket_event e WHERE e.tenant_id = 'sample' AND NOT EXISTS (SELECT 1 FROM ticket x WHERE x.tenant_id = e.tenant_id AND x.id = e.ticket_id)`);
    expect(left[0].n).toBe(0);
  });
  it("applies a timer's transition like a person's: the same typed events reach every subscriber, in its transaction", async () => {
    const [ref] = await resolvedTickets(1);
    const seen: { reference: string; topic: string; transition: string }[] = [];
    const off = t.core.events.on('ticket.transitioned', (_ctx, e) => {
      seen.push({ reference: e.ticket.reference, topic: e.topic, transition: e.transition });
    });
    try {
      t.clock.advance(15 * DAY);
      await t.core.runTimers();
    } finally {
      off();
    }
    expect(seen.filter((e) => e.reference === ref)).toEqual([{ reference: ref, topic: 'ticket.closed', transition: 'auto-close' }]);
    const [entry] = await t.core.deps.dataSource.query(
      `SELECT e.data FROM ticket_event e JOIN ticket t ON t.tenant_id = e.tenant_id AND t.id = e.ticket_id WHERE e.tenant_id = 'sample' AND t.reference = $1 AND e.type = 'transitioned' ORDER BY e.id DESC LIMIT 1`,
      [ref],
    );
    expect(entry.data).toMatchObject({ transition: 'auto-close', from: 'resolved', timer: 'timer-1' });
  });
});
