/**
 * What a request must not learn or reach: the queue's "left your queues" notice (`?gone=`) tells
 * only what the agent's own action answered, never the status of any ticket named in the URL; the
 * page after sign-in or a language switch (`?next=`) stays inside the tenant's portal whatever the
 * dot segments and encodings. On the `desk` fixture pack: nina works for `network`, axel for
 * `accounts`, neither sees the other team's tickets.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ROOT, startTestApp, type TestApp } from '../setup/test-app.js';

const TENANT = 'desk';

describe('hardening: what requests must not learn or reach', () => {
  let t: TestApp;
  const sessions: Record<string, { cookie: string; csrf: string }> = {};

  async function signIn(login: string): Promise<{ cookie: string; csrf: string }> {
    const res = await t.http.post(`/${TENANT}/auth/demo`).type('form').send({ login }).expect(303);
    const cookie = String((res.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await t.http.get(`/${TENANT}/`).set('Cookie', cookie).expect(200)).text)![1];
    return { cookie, csrf };
  }

  async function create(leaf: string, title: string): Promise<string> {
    const token = await t.token(TENANT, 'alice');
    const res = await t.http.post(`/api/${TENANT}/tickets`).set('Authorization', `Bearer ${token}`).send({ leaf, values: { title, description: 'Détails' } }).expect(201);
    return res.body.reference;
  }

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: join(ROOT, 'test', 'fixtures', 'desk-packs'), now: '2026-03-02T08:00:00Z' });
    for (const login of ['nina', 'axel']) sessions[login] = await signIn(login);
  });
  afterAll(() => t?.close());

  describe('the queue’s notice of a ticket that left the agent’s sight', () => {
    const queue = (login: string, query: string) => t.http.get(`/${TENANT}/desk?${query}`).set('Cookie', sessions[login].cookie).expect(200);
    const notice = (html: string) => /<div class="fr-alert fr-alert--info[^>]*><p>([^<]*)<\/p>/.exec(html)?.[1];

    it('shows what the agent’s own action answered, to them only', async () => {
      const ref = await create('mailbox', 'Boîte pleine');
      const axel = sessions.axel;
      await t.http.post(`/${TENANT}/desk/tickets/${ref}/take`).set('Cookie', axel.cookie).type('form').send({ _csrf: axel.csrf }).expect(303);
      const moved = await t.http.post(`/${TENANT}/desk/tickets/${ref}/reassign`).set('Cookie', axel.cookie).type('form').send({ _csrf: axel.csrf, team: 'network', reason: 'Câble' }).expect(303);
      const location = String(moved.headers.location);
      expect(location).toMatch(new RegExp(`^/${TENANT}/desk\\?gone=${ref}&goneStatus=escalated&goneSig=[\\w-]+$`));
      const query = location.split('?')[1];
      expect(notice((await queue('axel', query)).text)).toContain(`${ref} a quitté vos files : il est maintenant « Réaffectée »`);
      // The same link in another session, or with another status, shows nothing.
      expect(notice((await queue('nina', query)).text)).toBeUndefined();
      expect(notice((await queue('axel', query.replace('escalated', 'taken'))).text)).toBeUndefined();
    });

    it('never tells the status of a ticket named in the URL', async () => {
      const hidden = await create('mailbox', 'Compte bloqué');
      for (const query of [`gone=${hidden}`, `gone=${hidden}&goneStatus=assigned`, `gone=${hidden}&goneStatus=assigned&goneSig=forged`]) {
        const page = (await queue('nina', query)).text;
        expect(notice(page)).toBeUndefined();
        // Only the language links carry the URL back; no text names the ticket.
        expect(page.replace(/href="[^"]*"/g, '')).not.toContain(hidden);
      }
    });
  });

  describe('the page after sign-in or a language switch', () => {
    const outside = [
      `/${TENANT}/../../x`,
      `/${TENANT}/../${TENANT}2/`,
      `/${TENANT}/%2e%2e/%2e%2e/x`,
      `/${TENANT}/%2E%2e/x`,
      `/${TENANT}/.%2e/x`,
      `/${TENANT}/%2e./x`,
      `/${TENANT}/..%2f..%2fx`,
      `/${TENANT}/%252e%252e/x`,
      `/${TENANT}/x/..%5c..%5cx`,
      `/${TENANT}/\\..\\x`,
      `//evil.example/${TENANT}/`,
      `/${TENANT}/%0d%0aSet-Cookie:%20a=b`,
      `/${TENANT}/\u0007`,
      `https://evil.example/${TENANT}/`,
    ];

    it('goes home instead of anywhere outside the tenant’s portal', async () => {
      const failures: string[] = [];
      for (const next of outside) {
        const signedIn = await t.http.post(`/${TENANT}/auth/demo`).type('form').send({ login: 'nina', next }).expect(303);
        const switched = await t.http.get(`/${TENANT}/lang/en?next=${encodeURIComponent(next)}`).expect(303);
        for (const location of [signedIn.headers.location, switched.headers.location]) if (location !== `/${TENANT}/`) failures.push(`${next} → ${location}`);
      }
      expect(failures).toEqual([]);
    });

    it('keeps a page inside the portal, with its query and fragment', async () => {
      for (const [next, expected] of [
        [`/${TENANT}/tickets?view=open`, `/${TENANT}/tickets?view=open`],
        [`/${TENANT}/desk/tickets/I-000001#top`, `/${TENANT}/desk/tickets/I-000001#top`],
        [`/${TENANT}/a/../tickets`, `/${TENANT}/tickets`],
        [`/${TENANT}/search?q=a%2F..%2F..`, `/${TENANT}/search?q=a%2F..%2F..`],
      ]) {
        const res = await t.http.post(`/${TENANT}/auth/demo`).type('form').send({ login: 'nina', next }).expect(303);
        expect(res.headers.location).toBe(expected);
      }
    });
  });
});
