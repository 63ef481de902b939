/// <reference lib="dom" />
/**
 * The portal in a real browser (Debian's Chromium driven by playwright-core), for every tenant
 * pack under tenants/: a journey through the pages like the pack's user guide — sign in with a
 * demo persona, find the product by keyword, fill the form, get the reference, see the ticket in
 * the right tab, exchange, have it resolved by an agent (core services), then close or validate
 * it. axe-core runs on every page visited (no serious or critical violation) and each page is
 * saved as a screenshot under test/artifacts/.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import type { Lifecycle, TransitionDefinition } from '../../src/lifecycle/lifecycle.js';
import type { TenantPack } from '../../src/tenancy/tenant-pack.js';
import type { Actor } from '../../src/tenancy/pack.schema.js';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import { BrowserHarness, signIn } from './browser.js';

/** What each guide shows: who files the ticket, the keyword typed, the product picked. */
const GUIDES: Record<string, { requester?: string; agent?: string; keyword?: string; leaf?: string }> = {
  'reunion-filaos': { requester: 'marie.payet', keyword: 'otp', leaf: 'commande-cles-otp' },
  'caen-amigo': { requester: 'clemonnier', agent: 'kgodefroy', keyword: 'thunderbird', leaf: 'thunderbird' },
  'rennes-amigo': { requester: 'kmorvan', agent: 'aperon', keyword: 'webmail', leaf: 'webmail-acces' },
  'cecoia-creteil': { requester: 'pdugenetay', keyword: 'souris', leaf: 'peripheriques' },
  'cecoia-rouen': { keyword: 'souris', leaf: 'peripheriques' },
  'cecoia-versailles': { keyword: 'souris', leaf: 'peripheriques' },
  'kosmos-aura': { requester: 'julien.marchand', keyword: 'annuaire', leaf: 'annuaire' },
};

const PACKS = readdirSync(TENANT_PACKS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
  .map((d) => d.name)
  .sort();

interface Cast {
  requester: string;
  agent: string;
  keyword: string;
  leaf: string;
}

/** The guide's cast, or one taken from the pack's demo data for a pack without a guide entry. */
function castOf(pack: TenantPack): Cast {
  const hint = GUIDES[pack.id] ?? {};
  const people = pack.demo?.people ?? [];
  const requester = hint.requester ?? people.find((p) => !p.roles.length && p.establishments.length)!.login;
  const agent = hint.agent ?? people.find((p) => p.roles.includes('agent'))!.login;
  const leaf = pack.catalogue.find((c) => c.key === hint.leaf) ?? pack.catalogue.find((c) => c.leaf && c.keywords.some((k) => k.length >= 3))!;
  return { requester, agent, leaf: leaf.key, keyword: hint.keyword ?? leaf.keywords.find((k) => k.length >= 3)! };
}

function statusesOf(pack: TenantPack, view: TenantPack['config']['views'][number]): string[] {
  return view.statuses ?? (view.categories ? pack.lifecycle.statusesIn(view.categories) : [...pack.lifecycle.statuses.keys()]);
}

/** The first tab of the requester's that shows a ticket of `type` in `status`. */
function tabFor(pack: TenantPack, type: string, status: string) {
  return pack.config.views.find((v) => v.scope.includes('requester') && (!v.types || v.types.includes(type)) && statusesOf(pack, v).includes(status));
}

/** The agent's shortest way from `from` to a resolved status (or a closed one when the pack resolves by closing). */
function agentPath(lifecycle: Lifecycle, from: string, type: string): TransitionDefinition[] {
  const agent = new Set<Actor>(['agent']);
  for (const goal of ['resolved', 'closed'] as const) {
    const queue: { status: string; path: TransitionDefinition[] }[] = [{ status: from, path: [] }];
    const seen = new Set([from]);
    while (queue.length) {
      const { status, path } = queue.shift()!;
      if (lifecycle.category(status) === goal) return path;
      for (const t of lifecycle.allowed(status, agent, type).filter((x) => !x.requires.includes('team') && !x.requires.includes('rating'))) {
        if (seen.has(t.to)) continue;
        seen.add(t.to);
        queue.push({ status: t.to, path: [...path, t] });
      }
    }
  }
  throw new Error(`no agent path from ${from}`);
}

const fr = (text: { fr: string }) => text.fr;

/** Fills every required field the page left empty, as a person would pick the first choice. */
async function fillRequired(page: Page): Promise<void> {
  await page.evaluate(() => {
    const form = document.querySelector('form[data-guichet-form]') as HTMLFormElement;
    for (const select of Array.from(form.querySelectorAll('select[required]')) as HTMLSelectElement[]) {
      if (!select.value) select.value = Array.from(select.options).find((o) => o.value)?.value ?? '';
    }
    const radios = new Map<string, HTMLInputElement[]>();
    for (const radio of Array.from(form.querySelectorAll('input[type=radio]')) as HTMLInputElement[]) radios.set(radio.name, [...(radios.get(radio.name) ?? []), radio]);
    for (const group of radios.values()) if (!group.some((r) => r.checked)) group[0].checked = true;
    for (const input of Array.from(form.querySelectorAll('input[required]:not([type=radio]):not([type=checkbox]):not([type=hidden]), textarea[required]')) as HTMLInputElement[]) {
      if (input.value) continue;
      input.value = input.type === 'url' ? 'https://ent.example.org/' : input.type === 'tel' ? '02 31 00 00 00' : input.type === 'date' ? '2026-01-05' : 'Information demandée';
    }
  });
}

describe('portal journeys in Chromium, one per tenant pack', () => {
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

  it('serves every pack of tenants/', () => {
    expect(PACKS.length).toBeGreaterThanOrEqual(7);
    expect(t.core.registry.all().map((p) => p.id).sort()).toEqual(PACKS);
  });

  it.each(PACKS)('%s: keyword, form, reference, tab, exchange, resolution, closure', async (tenant) => {
    const pack = t.core.registry.get(tenant);
    const cast = castOf(pack);
    const leaf = pack.catalogue.find((c) => c.key === cast.leaf)!;
    const type = leaf.type!;
    await context.clearCookies();

    // Sign in with the demo persona.
    await page.goto(`/${tenant}/`);
    expect(page.url()).toContain(`/${tenant}/login?next=`);
    await browser.check(page, `${tenant}-01-login`);
    await signIn(page, tenant, cast.requester);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await browser.check(page, `${tenant}-02-home`);

    // Find the product by keyword, from the home page.
    await page.locator('#home-q').fill(cast.keyword);
    await page.locator('#home-q').press('Enter');
    await page.waitForURL(/\/search\?/);
    const results = page.locator('table tbody tr');
    expect(await results.count()).toBeGreaterThan(0);
    for (const level of pack.config.catalogue.levels.slice(0, leaf.depth + 1)) expect(await page.locator('thead th').allTextContents()).toContain(fr(level.label as { fr: string }));
    await browser.check(page, `${tenant}-03-search`);
    await page.locator(`table a[href="/${tenant}/new/${leaf.key}"]`).click();
    await page.waitForURL(new RegExp(`/new/${leaf.key}$`));
    await browser.check(page, `${tenant}-04-form`);

    // A first try without a title: the error is next to the field, what was typed is kept.
    const description = `Depuis ce matin, ${fr(leaf.name)} ne répond plus (parcours du guide, ${tenant}).`;
    await page.locator('#field-description').fill(description);
    if (await page.locator('#field-title').count()) {
      await page.locator('#field-title').fill('');
      await page.locator('form[data-guichet-form] button[type=submit]').click();
      await page.waitForLoadState('load');
      expect(await page.locator('#field-title-error').textContent()).toBe('Ce champ est obligatoire.');
      expect(await page.locator('#field-description').inputValue()).toBe(description);
      await browser.check(page, `${tenant}-05-form-errors`);
      await page.locator('#field-title').fill(`${fr(leaf.name)} — parcours du guide`);
    }
    await fillRequired(page);
    if (await page.locator('input[name=attachments]').count()) {
      await page.locator('input[name=attachments]').setInputFiles({ name: 'capture.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a', 'hex') });
    }
    await page.locator('form[data-guichet-form] button[type=submit]').click();
    await page.waitForURL(/\/created$/);

    // The reference, as the pack formats it, with the recap.
    const reference = (await page.locator('.guichet-reference').first().textContent())!.trim();
    const [row] = await t.core.deps.dataSource.query(`SELECT reference, status, type FROM ticket WHERE tenant_id = $1 AND reference = $2`, [tenant, reference]);
    expect(row).toMatchObject({ reference, type });
    expect(await page.locator('.guichet-recap').textContent()).toContain(description.slice(0, 30));
    await browser.check(page, `${tenant}-06-created`);

    // In the right tab of the dashboard, with its count.
    const tab = tabFor(pack, type, row.status)!;
    expect(tab).toBeDefined();
    await page.goto(`/${tenant}/tickets?view=${tab.key}`);
    expect(await page.locator(`a.guichet-ref`).allTextContents()).toContain(reference);
    expect(await page.locator(`a.guichet-tab--current`).getAttribute('data-view')).toBe(tab.key);
    await browser.check(page, `${tenant}-07-dashboard`);

    // An exchange from the ticket page.
    await page.locator(`a.guichet-ref:text-is("${reference}")`).click();
    await page.waitForURL(new RegExp(`/tickets/${reference}$`));
    await page.locator('#comment-body').fill('Précision : le problème persiste après redémarrage.');
    await page.locator('#comment-body').locator('xpath=ancestor::form').locator('button[type=submit]').click();
    await page.waitForURL(/done=comment/);
    expect(await page.locator('.guichet-history').textContent()).toContain('le problème persiste après redémarrage');
    await browser.check(page, `${tenant}-08-ticket-exchange`);

    // An agent resolves it (core services, as the desk would).
    const agent = await t.core.as(tenant, cast.agent);
    let status = (await t.core.tickets.read(agent, reference)).status.key;
    for (const step of agentPath(pack.lifecycle, status, type)) {
      await t.core.actions.transition(agent, reference, { transition: step.name, comment: step.requires.includes('comment') ? 'Votre compte a été réinitialisé.' : undefined, solution: step.requires.includes('solution') ? 'Compte réinitialisé, tout fonctionne de nouveau.' : undefined });
      status = step.to;
    }

    // The requester closes or validates it from the page (survey answered), when the pack lets them.
    await page.goto(`/${tenant}/tickets/${reference}`);
    await browser.check(page, `${tenant}-09-ticket-resolved`);
    const closing = pack.lifecycle.allowed(status, new Set<Actor>(['requester']), type).find((d) => pack.lifecycle.category(d.to) === 'closed');
    if (closing) {
      const label = fr(closing.label);
      const panel = page.locator('details.guichet-transition', { has: page.locator(`summary:text-is("${label}")`) });
      await panel.locator('summary').click();
      const form = panel.locator('form');
      if (closing.requires.includes('comment')) await form.locator('textarea[name=comment]').fill('Merci, c’est réglé.');
      // The DSFR draws radios under their labels: a person clicks the label.
      for (const q of closing.survey ? pack.config.surveys[closing.survey].questions : []) await form.locator(`label[for="${closing.name}-${q.key}-${q.max}"]`).click();
      await form.locator('button[type=submit]').click();
      await page.waitForURL(/done=transition/);
      status = closing.to;
    }
    expect(pack.lifecycle.category(status)).toBe('closed');
    expect(await page.locator('.guichet-status').first().textContent()).toBe(fr(pack.lifecycle.status(status).label));
    await browser.check(page, `${tenant}-10-ticket-closed`);

    // And in the tab of closed tickets.
    const closedTab = tabFor(pack, type, status);
    if (closedTab) {
      await page.goto(`/${tenant}/tickets?view=${closedTab.key}`);
      expect(await page.locator(`a.guichet-ref`).allTextContents()).toContain(reference);
      await browser.check(page, `${tenant}-11-dashboard-closed`);
    }
  }, 120_000);
});
