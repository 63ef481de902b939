/// <reference lib="dom" />
/**
 * The administration pages in a real browser (Debian's Chromium), for every tenant pack under
 * tenants/: the pack's administrator searches people, deactivates and reactivates one, gives a
 * team a member and a lead (refused for a non-agent), is told a UAI's check letter is wrong,
 * creates an establishment, reads the audit log; in English too. A requester gets the 403 page.
 * axe-core runs on every page, keyboard only where it counts (the search form is submitted with Enter).
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import { BrowserHarness, signIn } from './browser.js';

const PACKS = readdirSync(TENANT_PACKS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
  .map((d) => d.name)
  .sort();

describe('administration pages in Chromium, one journey per tenant pack', () => {
  let t: TestApp;
  let browser: BrowserHarness;

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, now: new Date().toISOString() });
    browser = new BrowserHarness(t);
    await browser.start();
  }, 120_000);

  afterAll(async () => {
    await browser?.stop();
    await t?.close();
  });

  it.each(PACKS)('%s: the administrator manages people, a team, an establishment, and reads the audit log', async (tenant) => {
    const demo = t.core.registry.get(tenant).demo!;
    const admin = demo.people.find((p) => p.roles.includes('admin'))!;
    const requester = demo.people.find((p) => !p.roles.length)!;
    const agent = demo.people.find((p) => p.roles.includes('agent') && !p.roles.includes('admin'));
    const team = t.core.registry.get(tenant).config.teams[0].key;
    const context: BrowserContext = await browser.context();
    const page: Page = await context.newPage();
    try {
      await signIn(page, tenant, admin.login);
      await page.locator('#navigation a[href$="/admin"], noscript a[href$="/admin"]').first().waitFor({ state: 'attached' });
      await page.goto(`/${tenant}/admin`);
      await browser.check(page, `${tenant}-admin-people`);

      const surname = requester.name.split(' ').at(-1)!;
      await page.locator('#admin-q').fill(surname.normalize('NFD').replace(/\p{Diacritic}/gu, ''));
      await page.locator('#admin-q').press('Enter');
      await page.waitForURL(/\/admin\?/);
      await page.locator('table a', { hasText: requester.name }).click();
      await page.waitForURL(new RegExp(`/admin/people/${requester.login.replace('.', '\\.')}$`));
      await browser.check(page, `${tenant}-admin-person`);
      await page.getByRole('button', { name: /^Désactiver$/ }).click();
      await expect(page.locator('.fr-alert--success')).toBeTruthy();
      expect(await page.locator('.fr-badge').first().textContent()).toContain('Désactivé');
      expect((await t.core.directory.personByLoginOrId(t.core.context(tenant), requester.login))).toBeUndefined();
      await page.getByRole('button', { name: /^Réactiver$/ }).click();
      expect(await page.locator('.fr-badge').first().textContent()).toContain('Actif');

      await page.goto(`/${tenant}/admin/teams`);
      await browser.check(page, `${tenant}-admin-teams`);
      await page.goto(`/${tenant}/admin/teams/${team}`);
      await page.locator('#add-login').fill(requester.login);
      await page.getByRole('button', { name: /^Ajouter$/ }).click();
      expect(await page.locator('#add-login-error').textContent()).toContain('Seul un agent');
      await browser.check(page, `${tenant}-admin-team-error`);
      if (agent) {
        await page.locator('#add-login').fill(agent.login);
        // Keyboard: the checkbox is reached and ticked without a pointer.
        await page.locator('#add-lead').focus();
        await page.keyboard.press('Space');
        expect(await page.locator('#add-lead').isChecked()).toBe(true);
        await page.getByRole('button', { name: /^Ajouter$/ }).click();
        await page.waitForURL(/done=1/);
        expect(await page.locator('table').textContent()).toContain(agent.name);
      }

      await page.goto(`/${tenant}/admin/establishments`);
      await page.locator('#establishment-uai').fill('0140096A');
      await page.locator('#establishment-name').fill('Lycée du test');
      await page.getByRole('button', { name: /^Créer$/ }).click();
      expect(await page.locator('#establishment-uai-error').textContent()).toContain('lettre de contrôle attendue : D');
      expect(await page.locator('#establishment-name').inputValue()).toBe('Lycée du test');
      await browser.check(page, `${tenant}-admin-establishments-error`);
      await page.locator('#establishment-uai').fill('0141273H');
      await page.getByRole('button', { name: /^Créer$/ }).click();
      await page.waitForURL(/done=1/);

      await page.goto(`/${tenant}/admin/audit`);
      const log = await page.locator('table').textContent();
      expect(log).toContain('person.deactivated');
      expect(log).toContain('establishment.created');
      await browser.check(page, `${tenant}-admin-audit`);
      const csv = await page.request.get(`/${tenant}/admin/audit.csv`);
      expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
      expect(await csv.text()).toContain('person.reactivated');

      await page.goto(`/${tenant}/lang/en?next=/${tenant}/admin`);
      expect(await page.locator('h1').textContent()).toBe('People');
      await browser.check(page, `${tenant}-admin-people-en`);
      await page.goto(`/${tenant}/lang/fr?next=/${tenant}/admin`);

      const other = await browser.context();
      const theirs = await other.newPage();
      await signIn(theirs, tenant, requester.login);
      const refused = await theirs.goto(`/${tenant}/admin`);
      expect(refused?.status()).toBe(403);
      await other.close();
    } finally {
      await context.close();
    }
  }, 120_000);
});
