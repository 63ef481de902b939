import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queryStats } from '../../src/database/query-stats.js';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/**
 * Issue 12's budgets, counted by RequestContext (the app runs in this process): what one API call
 * sends to PostgreSQL once its token is known. A statement more fails here, not in a benchmark.
 */
describe('statements per API call (sample pack)', () => {
  let t: TestApp;
  let alice: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    // The core's budget: the sample pack without its webhooks plugin (a plugin's in-transaction
    // subscriber adds its own statements, here one INSERT … SELECT per event).
    t = await startTestApp({ tenantsDir: fixturePacksWith({ sample: (y) => y.replace(/^plugins:\n {2}- \{ plugin: webhooks \}\n/m, '') }) });
    alice = await t.token('sample', 'alice');
    // The token's lookup and its once-a-minute last use, paid before the counted calls.
    await t.http.get('/api/sample/views').set(auth(alice)).expect(200);
  });
  afterAll(() => t?.close());

  async function counted(call: () => Promise<unknown>) {
    const before = queryStats();
    await call();
    const after = queryStats();
    return { roundTrips: after.roundTrips - before.roundTrips, statements: after.statements - before.statements };
  }

  it('creates a ticket in one transaction of at most 6 statements, token from memory', async () => {
    const spent = await counted(() =>
      t.http.post('/api/sample/tickets').set(auth(alice)).send({ leaf: 'otp-order', values: { title: 'Deux clés', description: 'x' } }).expect(201),
    );
    // BEGIN + tenant (one round trip), the establishment, the ticket statement, the outbox, COMMIT.
    expect(spent.statements).toBeLessThanOrEqual(6);
    expect(spent.roundTrips).toBeLessThanOrEqual(5);
  });

  it('answers the tab counts and a list page in a few statements', async () => {
    const views = await counted(() => t.http.get('/api/sample/views').set(auth(alice)).expect(200));
    expect(views.roundTrips).toBeLessThanOrEqual(3);
    const list = await counted(() => t.http.get('/api/sample/tickets?view=open').set(auth(alice)).expect(200));
    expect(list.roundTrips).toBeLessThanOrEqual(2);
  });
});
