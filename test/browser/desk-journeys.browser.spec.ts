/// <reference lib="dom" />
/**
 * The agents' desk pages in a real browser (Debian's Chromium driven by playwright-core), for
 * every tenant pack under tenants/: a requester files a ticket (core services), the agent of the
 * team it was routed to finds it in the queue (search box, counts, bulk form errors), writes a
 * private note, takes it, asks for information; the requester answers from the portal page
 * (without seeing the note) and cannot open the desk; the agent resolves with a solution; the
 * requester closes or validates it (core services). axe-core runs on every desk page visited.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { ValidationFailed } from '../../src/common/errors.js';
import type { RequestContext } from '../../src/tenancy/request-context.js';
import type { Actor } from '../../src/tenancy/pack.schema.js';
import type { TenantPack } from '../../src/tenancy/tenant-pack.js';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import { BrowserHarness, signIn } from './browser.js';

/** Who files the ticket and about what (as in the portal journeys); other packs take theirs from the demo data. */
const GUIDES: Record<string, { requester?: string; leaf?: string }> = {
  'reunion-filaos': { requester: 'marie.payet', leaf: 'commande-cles-otp' },
  'caen-amigo': { requester: 'clemonnier', leaf: 'thunderbird' },
  'rennes-amigo': { requester: 'kmorvan', leaf: 'webmail-acces' },
  'cecoia-creteil': { requester: 'pdugenetay', leaf: 'peripheriques' },
  'cecoia-rouen': { leaf: 'peripheriques' },
  'cecoia-versailles': { leaf: 'peripheriques' },
  'kosmos-aura': { requester: 'julien.marchand', leaf: 'annuaire' },
};

const PACKS = readdirSync(TENANT_PACKS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
  .map((d) => d.name)
  .sort();

const fr = (text: { fr: string }) => text.fr;

describe('desk journeys in Chromium, one per tenant pack', () => {
  let t: TestApp;
  let browser: BrowserHarness;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, now: new Date().toISOString() });
    browser = new BrowserHarness(t);
    await browser.start();
    context = await browser.context();
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.stop();
    await t?.close();
  });

  /** Creates a ticket as the requester, filling what the pack requires as a person would pick the first choice. */
  async function file(ctx: RequestContext, pack: TenantPack, leaf: string, title: string) {
    const values: Record<string, unknown> = { title, description: `Depuis ce matin, impossible de travailler (parcours du bureau, ${pack.id}).` };
    const fields = [...pack.form, ...pack.catalogue.flatMap((c) => c.fields)];
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        return await t.core.tickets.create(ctx, { leaf, values });
      } catch (error) {
        if (!(error instanceof ValidationFailed)) throw error;
        for (const p of error.problems) {
          const field = fields.find((f) => f.key === p.field);
          if (p.field === 'visibility') values.visibility = pack.config.visibility!.options[0].value;
          else if (p.field === 'impact' || p.field === 'urgency') values[p.field] = pack.config.priority![p.field][0].key;
          else if (p.field === 'establishment') values.establishment = (await t.core.directory.membershipsOf(ctx, ctx.actor.id!))[0]?.uai;
          else if (field?.options?.length) values[p.field] = field.type === 'checkbox' && field.options.length > 1 ? [field.options[0].value] : field.options[0].value;
          else if (field?.type === 'checkbox') values[p.field] = true;
          else values[p.field] = field?.type === 'url' ? 'https://ent.example.org/' : field?.type === 'phone' ? '02 31 00 00 00' : field?.type === 'email' ? 'agent@example.org' : field?.type === 'date' ? '2026-01-05' : field?.type === 'number' ? 1 : 'Information demandée';
        }
      }
    }
    throw new Error(`could not file a ticket on ${leaf}: ${JSON.stringify(values)}`);
  }

  /** A demo persona with the agent role in `team`; the pack's first agent persona joins it when it has none. */
  async function agentOf(pack: TenantPack, team: string): Promise<string> {
    const ctx = t.core.context(pack.id);
    const personas = pack.config.auth.map((a) => (a.options as { personas?: string[] } | undefined)?.personas).find(Boolean);
    const rows: { login: string }[] = await t.core.deps.dataSource.query(
      `SELECT p.login FROM team_member m JOIN team tm ON tm.tenant_id = m.tenant_id AND tm.id = m.team_id JOIN person p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
       WHERE m.tenant_id = $1 AND tm.key = $2 AND 'agent' = ANY(p.roles) ORDER BY m.lead DESC, p.login`,
      [pack.id, team],
    );
    const member = rows.find((r) => !personas || personas.includes(r.login));
    if (member) return member.login;
    const login = (pack.demo?.people ?? []).find((p) => p.roles.includes('agent') && (!personas || personas.includes(p.login)))!.login;
    const person = await t.core.directory.personByLoginOrId(ctx, login);
    await t.core.directory.addTeamMember(ctx, (await t.core.directory.teamByKey(ctx, team))!.id, person!.id, false);
    return login;
  }

  it('serves every pack of tenants/', () => {
    expect(PACKS.length).toBeGreaterThanOrEqual(7);
    expect(t.core.registry.all().map((p) => p.id).sort()).toEqual(PACKS);
  });

  it.each(PACKS)('%s: queue, private note, take, ask, answer, resolve, closure', async (tenant) => {
    const pack = t.core.registry.get(tenant);
    const hint = GUIDES[tenant] ?? {};
    const people = pack.demo?.people ?? [];
    const requesterLogin = hint.requester ?? people.find((p) => !p.roles.length && p.establishments.length)!.login;
    const leaf = pack.catalogue.find((c) => c.key === hint.leaf) ?? pack.catalogue.find((c) => c.leaf)!;
    const requester = await t.core.as(tenant, requesterLogin);
    const word = `zorglub${tenant.replace(/[^a-z]/g, '')}`;
    const created = await file(requester, pack, leaf.key, `${fr(leaf.name)} en panne ${word}`);
    const reference = created.reference;
    const team = (created.team as { key: string }).key;
    const agentLogin = await agentOf(pack, team);
    const base = `/${tenant}`;

    // The agent sees the desk link in the header and the queue of their team, unassigned tickets first.
    await context.clearCookies();
    await signIn(page, tenant, agentLogin);
    await page.locator(`header a[href="${base}/desk"]`).first().click();
    await page.waitForURL(new RegExp(`${base}/desk$`));
    expect(await page.locator('h1').textContent()).toBe('Bureau des agents');
    const row = page.locator(`tr[data-reference="${reference}"]`);
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Non assigné');
    expect(Number(await page.locator('a[data-category="new"] .guichet-count').textContent()) + Number(await page.locator('a[data-category="open"] .guichet-count').textContent())).toBeGreaterThan(0);
    await browser.check(page, `desk-${tenant}-01-queue`);

    // The search box finds it by a word of its title.
    await page.locator('#desk-q').fill(word);
    await page.locator('#desk-q').press('Enter');
    await page.waitForURL(/q=zorglub/);
    expect(await page.locator('a.guichet-ref').allTextContents()).toEqual([reference]);

    // A bulk action without what it needs: the error is next to the field, the selection kept.
    await page.locator(`tr[data-reference="${reference}"] input[name=tickets]`).check({ force: true });
    await page.locator('#bulk-action').selectOption('assign');
    await page.locator('button:text-is("Appliquer à la sélection")').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#bulk-person-error').textContent()).toBe('Ce champ est obligatoire.');
    expect(await page.locator(`tr[data-reference="${reference}"] input[name=tickets]`).isChecked()).toBe(true);
    expect(await page.locator('#desk-q').inputValue()).toBe(word);
    await browser.check(page, `desk-${tenant}-02-queue-search-error`);

    // The ticket page: a private note, clearly marked.
    await page.locator(`a.guichet-ref:text-is("${reference}")`).click();
    await page.waitForURL(new RegExp(`/desk/tickets/${reference}$`));
    await browser.check(page, `desk-${tenant}-03-ticket`);
    const note = `Note interne : vérifier le serveur ${word}.`;
    await page.locator('#note-body').fill(note);
    await page.locator('#desk-note button[type=submit]').click();
    await page.waitForURL(/done=note/);
    const noted = page.locator('.guichet-event--private', { hasText: note });
    expect(await noted.locator('.guichet-private').textContent()).toBe('Note privée');

    // Take it.
    await page.locator('#desk-take button[type=submit]').click();
    await page.waitForURL(/done=take/);
    const agentName = (await t.core.directory.personByLoginOrId(requester, agentLogin))!.display_name;
    expect(await page.locator('.guichet-details').textContent()).toContain(agentName);

    // Ask for information: first without the question (error next to the field), then with it.
    const ask = page.locator('details[data-desk=ask]');
    await ask.locator('summary').click();
    await ask.locator('button[type=submit]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#ask-reason-error').textContent()).toBe('Ce champ est obligatoire.');
    await browser.check(page, `desk-${tenant}-04-ask-error`);
    await page.locator('#ask-reason').fill('Pouvez-vous préciser le numéro de série ?');
    await page.locator('details[data-desk=ask] button[type=submit]').click();
    await page.waitForURL(/done=ask/);
    const waiting = (await t.core.tickets.read(requester, reference)).status.key;
    expect(t.core.sla.pausedIn(t.core.context(tenant))).toContain(waiting);
    await browser.check(page, `desk-${tenant}-05-asked`);

    // The requester answers from the portal page; they never see the private note, nor the desk.
    await context.clearCookies();
    await signIn(page, tenant, requesterLogin);
    expect(await page.locator(`header a[href="${base}/desk"]`).count()).toBe(0);
    const forbidden = await page.goto(`${base}/desk`);
    expect(forbidden!.status()).toBe(403);
    await page.goto(`${base}/tickets/${reference}`);
    expect(await page.content()).not.toContain(word + '.');
    expect(await page.locator('.guichet-history').textContent()).toContain('numéro de série');
    await page.locator('#comment-body').fill('Le numéro de série est SN-4242.');
    await page.locator('#comment-body').locator('xpath=ancestor::form').locator('button[type=submit]').click();
    await page.waitForURL(/done=comment/);
    let status = (await t.core.tickets.read(requester, reference)).status.key;
    if (t.core.sla.pausedIn(t.core.context(tenant)).includes(status)) {
      // A pack whose answer is a transition of its own (not a comment) gets it applied like the page would.
      const answer = pack.lifecycle.allowed(status, new Set<Actor>(['requester']), created.type.key).find((d) => !t.core.sla.pausedIn(t.core.context(tenant)).includes(d.to) && pack.lifecycle.category(d.to) !== 'closed');
      if (answer) await t.core.actions.transition(requester, reference, { transition: answer.name, comment: answer.requires.includes('comment') ? 'Réponse apportée.' : undefined });
    }

    // The agent sees the answer and resolves with a solution (published when the pack has knowledge).
    await context.clearCookies();
    await signIn(page, tenant, agentLogin);
    await page.goto(`${base}/desk/tickets/${reference}`);
    expect(await page.locator('.guichet-history').textContent()).toContain('SN-4242');
    const resolve = page.locator('details[data-desk=resolve]');
    await resolve.locator('summary').click();
    const solution = `Périphérique remplacé ${word}, tout fonctionne de nouveau.`;
    await page.locator('#resolve-solution').fill(solution);
    const publish = pack.config.knowledge?.enabled !== false;
    if (publish) await page.locator('label[for=resolve-publish]').click();
    await resolve.locator('button[type=submit]').click();
    await page.waitForURL(/done=resolve/);
    if (publish) expect(await page.locator('.fr-alert--info').textContent()).toContain(`${fr(leaf.name)} en panne`);
    status = (await t.core.tickets.read(requester, reference)).status.key;
    expect(['resolved', 'closed']).toContain(pack.lifecycle.category(status));
    // In the solution block, or (a pack that resolves by closing keeps it in the transition) in the history.
    expect(await page.locator('main').textContent()).toContain(solution);
    await browser.check(page, `desk-${tenant}-06-resolved`);

    // The requester closes or validates it (core services; the portal journeys do it from the page).
    const closing = pack.lifecycle.allowed(status, new Set<Actor>(['requester']), created.type.key).find((d) => pack.lifecycle.category(d.to) === 'closed');
    if (pack.lifecycle.category(status) !== 'closed') {
      expect(closing).toBeDefined();
      const questions = closing!.survey ? pack.config.surveys[closing!.survey].questions : [];
      await t.core.actions.transition(requester, reference, {
        transition: closing!.name,
        comment: closing!.requires.includes('comment') ? 'Merci, c’est réglé.' : undefined,
        ratings: questions.length ? Object.fromEntries(questions.map((q) => [q.key, q.max])) : undefined,
      });
    }
    const closed = await t.core.tickets.read(requester, reference);
    expect(closed.status.category).toBe('closed');
    expect(closed.history!.some((e) => e.type === 'noted')).toBe(false);

    // The closed ticket leaves the active queue and shows in the closed tab.
    await page.goto(`${base}/desk?category=closed&q=${word}`);
    expect(await page.locator('a.guichet-ref').allTextContents()).toEqual([reference]);
    await browser.check(page, `desk-${tenant}-07-closed-tab`);
  }, 120_000);

  it('speaks English on request', async () => {
    const tenant = PACKS[PACKS.length - 1];
    await page.goto(`/${tenant}/desk?lang=en`);
    expect(await page.locator('h1').textContent()).toBe('Agents’ desk');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await browser.check(page, `desk-${tenant}-08-english`);
  });
});
