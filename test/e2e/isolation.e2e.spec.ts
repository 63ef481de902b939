import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { APP_ROLE, tenantTables } from '../../src/database/tenant-isolation.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/**
 * Tenant isolation, proven two ways. Every API route the Nest router knows is replayed with
 * the ids of another tenant's tickets, attachments, people, tokens and catalogue (404
 * everywhere), and with a token of another tenant (401 everywhere). And PostgreSQL's row-level
 * security keeps a query that forgot its `tenant_id` inside its tenant.
 */
const VICTIM = 'sample';
const ATTACKER = 'daily';

interface Route {
  method: string;
  path: string;
}

/** Routes outside any tenant, with their own authentication. */
const GLOBAL_ROUTES = new Set(['POST /api/inbound-mail']);

/** Bodies that pass validation, so that the request reaches the lookup of the foreign id. */
function bodyFor(route: Route, victim: { login: string; ticketRef: string; leaf: string; team: string; uai: string }): Record<string, unknown> | 'file' | undefined {
  const key = `${route.method} ${route.path.replace('/api/:tenant', '')}`;
  const bodies: Record<string, Record<string, unknown> | 'file'> = {
    'PATCH /tickets/:ref': { values: { title: 'pirate' } },
    'POST /tickets/:ref/comments': { body: 'pirate' },
    'POST /tickets/:ref/transitions': { transition: 'take' },
    'POST /tickets/:ref/participants': { person: 'dina' },
    'POST /tickets/:ref/assignee': { person: 'boss' },
    'POST /tickets/:ref/attachments': 'file',
    'POST /desk/tickets/:ref/take': {},
    'POST /desk/tickets/:ref/assign': { person: 'boss' },
    'POST /desk/tickets/:ref/reassign': { team: 'platform', reason: 'pirate' },
    'POST /desk/tickets/:ref/requalify': { leaf: 'screen', reason: 'pirate' },
    'POST /admin/outbox/:id/retry': {},
    'PATCH /plugins/webhooks/subscriptions/:id': { active: false },
    'POST /plugins/webhooks/subscriptions/:id/secret': {},
    'POST /plugins/webhooks/deliveries/:id/retry': {},
    'POST /desk/tickets/:ref/ask': { reason: 'pirate' },
    'PATCH /admin/people/:login': { name: 'pirate' },
    'PUT /admin/people/:login/roles': { roles: ['agent'] },
    'POST /admin/people/:login/deactivate': {},
    'POST /admin/people/:login/reactivate': {},
    'PUT /admin/people/:login/establishments/:uai': { head: true },
    'PUT /admin/teams/:team/members/:login': { lead: true },
    'PATCH /admin/establishments/:uai': { name: 'pirate' },
    'POST /desk/tickets/:ref/resolve': { solution: 'pirate' },
    'PUT /desk/tickets/:ref/parent': { parent: victim.ticketRef },
    // Routes without an id in their path: the foreign ids go in the body.
    'POST /tickets': { leaf: victim.leaf, values: { title: 'pirate', description: 'pirate' } },
    'POST /tokens': { person: victim.login, name: 'pirate', scopes: ['read'] },
    'POST /desk/bulk': { action: 'assign', tickets: [victim.ticketRef], person: 'boss' },
    'POST /plugins/webhooks/subscriptions': { url: 'https://hooks.example.org/pirate', events: ['ticket.created'] },
  };
  return bodies[key];
}

describe('tenant isolation', () => {
  let t: TestApp;
  let routes: Route[];
  /** The attacker: an administrator and agent of the other tenant, with every scope. */
  let attacker: string;
  const victim = { login: 'alice', ticketRef: '', ticketId: '', attachmentId: '', tokenId: '', outboxId: '', personId: '', leaf: 'otp-order', team: 'network', uai: '0140096D', subscriptionId: '', deliveryId: '' };
  const victimHook = 'https://victim-hooks.example.org/secret-path';
  let markers: string[];

  beforeAll(async () => {
    t = await startTestApp();
    const app = t.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
    routes = app.router.stack
      .filter((layer) => layer.route?.path.startsWith('/api/'))
      .flatMap((layer) => Object.keys(layer.route!.methods).filter((m) => m !== '_all').map((m) => ({ method: m.toUpperCase(), path: layer.route!.path })));

    // A webhook subscription of the victim's, with a delivery (the attachment's event) in its log.
    const victimAdmin = await t.token(VICTIM, 'admin', ['read', 'write', 'admin']);
    const subscription = (await t.http.post(`/api/${VICTIM}/plugins/webhooks/subscriptions`).set('Authorization', `Bearer ${victimAdmin}`).send({ url: victimHook, events: ['ticket.attachment-added'] }).expect(201)).body;
    victim.subscriptionId = subscription.id;
    const alice = await t.token(VICTIM, 'alice');
    const [ticket] = (await t.http.get(`/api/${VICTIM}/tickets?view=open`).set('Authorization', `Bearer ${alice}`).expect(200)).body.items;
    victim.ticketRef = ticket.reference;
    victim.ticketId = ticket.id;
    const attached = await t.http.post(`/api/${VICTIM}/tickets/${ticket.reference}/attachments`).set('Authorization', `Bearer ${alice}`).attach('file', Buffer.from('secret'), 'secret.txt').expect(201);
    victim.attachmentId = attached.body.id;
    victim.tokenId = (await t.core.tokens.mint(t.core.context(VICTIM), 'alice', { name: 'victim', scopes: ['read'] })).id;
    const [outbox] = await t.core.deps.dataSource.query(`SELECT id FROM outbox WHERE tenant_id = $1 LIMIT 1`, [VICTIM]);
    victim.outboxId = outbox.id;
    victim.personId = (await t.core.directory.personByLoginOrId(t.core.context(VICTIM), 'alice'))!.id;
    const [delivery] = await t.core.deps.dataSource.query(`SELECT id FROM plugin_webhooks_delivery WHERE tenant_id = $1 LIMIT 1`, [VICTIM]);
    victim.deliveryId = delivery.id;
    markers = [victim.ticketRef, victim.ticketId, victim.attachmentId, victim.tokenId, victim.outboxId, victim.personId, 'Alice Martin', 'alice@example.org', ticket.title, victim.subscriptionId, victim.deliveryId, victimHook, subscription.secret];

    const ctx = t.core.context(ATTACKER);
    const dina = await t.token(ATTACKER, 'dina');
    await t.http.post(`/api/${ATTACKER}/tickets`).set('Authorization', `Bearer ${dina}`).send({ leaf: 'screen', values: { title: 'Écran noir', description: 'Plus rien.' } }).expect(201);
    await t.core.directory.upsertPerson(ctx, { login: 'boss', name: 'Boss Daily', roles: ['admin', 'agent'] });
    attacker = (await t.core.tokens.mint(ctx, 'boss', { name: 'attacker', scopes: ['read', 'write', 'admin'] })).token;
  });
  afterAll(() => t?.close());

  function send(route: Route, path: string, token: string, body: ReturnType<typeof bodyFor>) {
    const req = t.http[route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete'](path).set('Authorization', `Bearer ${token}`);
    if (body === 'file') return req.attach('file', Buffer.from('pirate'), 'pirate.txt');
    return body ? req.send(body) : req;
  }

  /** The foreign values each path parameter is tried with. */
  function foreignValues(param: string): string[] {
    switch (param) {
      case 'ref':
        return [victim.ticketRef, victim.ticketId];
      case 'id':
        return [victim.attachmentId, victim.tokenId, victim.outboxId, victim.ticketId, victim.personId, victim.subscriptionId, victim.deliveryId];
      case 'key':
        return [victim.leaf, 'access'];
      case 'team':
        return [victim.team];
      case 'login':
        return [victim.login, victim.personId];
      case 'uai':
        return [victim.uai];
      default:
        throw new Error(`No foreign value for ":${param}": add one to foreignValues()`);
    }
  }

  it('lists the API routes from the Nest router', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toContainEqual({ method: 'GET', path: '/api/:tenant/tickets/:ref' });
    expect(routes).toContainEqual({ method: 'DELETE', path: '/api/:tenant/tokens/:id' });
    expect(routes).toContainEqual({ method: 'PATCH', path: '/api/:tenant/plugins/webhooks/subscriptions/:id' });
    for (const route of routes) {
      if (!GLOBAL_ROUTES.has(`${route.method} ${route.path}`) && !route.path.startsWith('/api/docs')) expect(route.path).toMatch(/^\/api\/:tenant(\/|$)/);
    }
  });

  it("answers 404 on every route naming another tenant's ids, with the attacker's full powers", async () => {
    const failures: string[] = [];
    let tried = 0;
    for (const route of routes.filter((r) => r.path.startsWith('/api/:tenant/'))) {
      const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]).filter((p) => p !== 'tenant');
      if (!params.length) continue;
      const body = bodyFor(route, victim);
      if (route.method !== 'GET' && route.method !== 'DELETE' && body === undefined) failures.push(`${route.method} ${route.path}: no body in bodyFor()`);
      const combos = params.reduce<Record<string, string>[]>((all, p) => all.flatMap((c) => foreignValues(p).map((v) => ({ ...c, [p]: v }))), [{}]);
      for (const combo of combos) {
        const path = route.path.replace(':tenant', ATTACKER).replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(combo[p]));
        const res = await send(route, path, attacker, body);
        tried++;
        if (res.status !== 404) failures.push(`${route.method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(30);
  });

  it("answers 401 on every tenant route to a token of another tenant", async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.path.startsWith('/api/:tenant/'))) {
      const path = route.path.replace(':tenant', VICTIM).replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(foreignValues(p)[0]));
      const res = await send(route, path, attacker, bodyFor(route, victim));
      if (res.status !== 401) failures.push(`${route.method} ${path}: ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('never shows another tenant in lists and searches, and refuses its ids in bodies', async () => {
    const failures: string[] = [];
    const queries: Record<string, string> = {
      '/api/:tenant/tickets': '?view=open',
      '/api/:tenant/people': '?q=Alice',
      '/api/:tenant/catalogue/search': '?q=OTP',
      '/api/:tenant/desk/queue': '',
    };
    for (const route of routes.filter((r) => /^\/api\/:tenant(\/[\w-]+)*$/.test(r.path))) {
      const body = bodyFor(route, victim);
      const path = route.path.replace(':tenant', ATTACKER) + (route.method === 'GET' ? (queries[route.path] ?? '') : '');
      const res = await send(route, path, attacker, body);
      const sent = JSON.stringify(body ?? {});
      const leaked = markers.filter((m) => !sent.includes(m) && JSON.stringify(res.body ?? '').includes(m));
      if (res.status >= 500 || leaked.length) failures.push(`${route.method} ${path}: ${res.status} leaks ${leaked.join(', ')}`);
      if (route.method === 'POST' && ['/api/:tenant/tickets', '/api/:tenant/tokens'].includes(route.path) && res.status < 400) failures.push(`${route.method} ${path}: accepted ${res.status}`);
    }
    expect(failures).toEqual([]);
    // Nothing of the victim changed: its ticket has only its own events, its token still works.
    const events = await t.core.deps.dataSource.query(`SELECT DISTINCT coalesce(actor_id::text, '-') AS actor FROM ticket_event WHERE tenant_id = $1 AND ticket_id = $2`, [VICTIM, victim.ticketId]);
    const boss = (await t.core.directory.personByLoginOrId(t.core.context(ATTACKER), 'boss'))!.id;
    expect(events.map((e: { actor: string }) => e.actor)).not.toContain(boss);
    const alice = await t.token(VICTIM, 'alice');
    await t.http.get(`/api/${VICTIM}/attachments/${victim.attachmentId}`).set('Authorization', `Bearer ${alice}`).expect(200);
    const victimAdmin = await t.token(VICTIM, 'admin', ['read', 'write', 'admin']);
    const subscription = await t.http.get(`/api/${VICTIM}/plugins/webhooks/subscriptions/${victim.subscriptionId}`).set('Authorization', `Bearer ${victimAdmin}`).expect(200);
    expect(subscription.body).toMatchObject({ url: victimHook, active: true });
  });

  describe('row-level security', () => {
    it('runs the application as a role that is neither superuser nor owner nor RLS-exempt', async () => {
      const [me] = await t.core.context(ATTACKER).query<{ who: string; super: boolean; bypass: boolean; tenant: string }>(
        `SELECT current_user AS who, rolsuper AS super, rolbypassrls AS bypass, current_setting('guichet.tenant') AS tenant FROM pg_roles WHERE rolname = current_user`,
      );
      expect(me).toEqual({ who: APP_ROLE, super: false, bypass: false, tenant: ATTACKER });
      const inTx = await t.core.context(ATTACKER).transaction((tx) => tx.query<{ who: string }>(`SELECT current_user AS who`));
      expect(inTx).toEqual([{ who: APP_ROLE }]);
      // The pooled connection is handed back as it was.
      expect(await t.core.deps.dataSource.query(`SELECT current_user AS who, current_setting('guichet.tenant', true) AS tenant`)).toEqual([{ who: 'postgres', tenant: '' }]);
    });

    it('keeps a query that forgets its tenant_id inside the tenant, reading and writing', async () => {
      const ctx = t.core.context(ATTACKER);
      const all = await t.core.deps.dataSource.query(`SELECT count(DISTINCT tenant_id)::int AS n FROM ticket`);
      expect(all[0].n).toBe(2);
      expect(await ctx.query(`SELECT DISTINCT tenant_id FROM ticket`)).toEqual([{ tenant_id: ATTACKER }]);
      expect(await ctx.query(`SELECT id FROM ticket WHERE id = $1`, [victim.ticketId])).toEqual([]);
      expect(await ctx.transaction((tx) => tx.query(`UPDATE person SET display_name = 'pirate' WHERE id = $1 RETURNING id`, [victim.personId]))).toEqual([]);
      await expect(ctx.transaction((tx) => tx.query(`INSERT INTO counter (tenant_id, scope, value) VALUES ($1, 'pirate', 1)`, [VICTIM]))).rejects.toThrow(/row-level security/);
      await expect(ctx.query(`DELETE FROM session`)).resolves.toBeDefined();
      expect((await t.core.deps.dataSource.query(`SELECT display_name FROM person WHERE id = $1`, [victim.personId]))[0].display_name).toBe('Alice Martin');
    });

    it('has a policy on every table that carries a tenant_id, and on tenant', async () => {
      const tables = await tenantTables(t.core.deps.dataSource);
      expect(tables).toEqual(expect.arrayContaining(['ticket', 'ticket_event', 'attachment', 'person', 'api_token', 'session', 'auth_flow', 'sign_in_throttle', 'local_credential', 'plugin_webhooks_subscription', 'plugin_webhooks_delivery', 'plugin_webhooks_attempt', 'admin_audit']));
      const rows = await t.core.deps.dataSource.query(
        `SELECT c.relname AS table, c.relrowsecurity AS rls, EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation') AS policy
         FROM pg_class c WHERE c.relname = ANY($1) AND c.relkind = 'r' ORDER BY 1`,
        [[...tables, 'tenant']],
      );
      expect(rows.filter((r: { rls: boolean; policy: boolean }) => !r.rls || !r.policy)).toEqual([]);
      expect(rows).toHaveLength(tables.length + 1);
    });
  });
});
