/// <reference lib="dom" />
/**
 * Stored XSS, as a pupil or a hostile staff member would try it: payloads in every text a person
 * can type (title, description, comment, their display name), rendered in Chromium on the pages
 * that show them to others (the requester's ticket and dashboard, the desk's queue and ticket).
 * Nothing may execute, and the Content-Security-Policy may refuse nothing: a refusal would mean
 * the payload reached the page as markup (BrowserHarness.check fails on it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../setup/test-app.js';
import { BrowserHarness, signIn } from './browser.js';

const TENANT = 'sample';
const PAYLOADS = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  '"><svg onload="window.__pwned = \'svg\'">',
  "'><a href=\"javascript:window.__pwned='link'\">clic</a>",
  '{{constructor.constructor("window.__pwned = 1")()}}',
  '<style>body{display:none}</style>',
];
const PAYLOAD = PAYLOADS.join(' ');

describe('stored XSS in Chromium', () => {
  let t: TestApp;
  let browser: BrowserHarness;
  let context: BrowserContext;
  let page: Page;
  let reference: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ now: new Date().toISOString() });
    const alice = `Bearer ${await t.token(TENANT, 'alice')}`;
    const agent = `Bearer ${await t.token(TENANT, 'agent')}`;
    // Alice's display name carries a payload too (as a directory or a provider could send it).
    await t.core.deps.dataSource.query(`UPDATE person SET display_name = $2 WHERE tenant_id = $1 AND login = 'alice'`, [TENANT, `Alice ${PAYLOADS[1]}`]);
    const created = await t.http.post(`/api/${TENANT}/tickets`).set('Authorization', alice).send({ leaf: 'otp-order', values: { title: `Clé ${PAYLOADS[0]}`.slice(0, 200), description: PAYLOAD } }).expect(201);
    reference = created.body.reference;
    await t.http.post(`/api/${TENANT}/tickets/${reference}/comments`).set('Authorization', agent).send({ body: `Réponse ${PAYLOAD}` }).expect(201);
    await t.http.post(`/api/${TENANT}/tickets/${reference}/comments`).set('Authorization', alice).send({ body: `Relance ${PAYLOAD}` }).expect(201);
    browser = new BrowserHarness(t);
    await browser.start();
    context = await browser.context();
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.stop();
    await t?.close();
  });

  async function nothingRan(name: string) {
    await browser.check(page, name);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
  }

  it('shows the requester the payloads as text on the ticket and the dashboard', async () => {
    await signIn(page, TENANT, 'alice');
    await page.goto(`/${TENANT}/tickets/${reference}`);
    expect(await page.locator('body').innerText()).toContain('<script>window.__pwned = "script"</script>');
    await nothingRan('xss-ticket');
    await page.goto(`/${TENANT}/tickets`);
    await nothingRan('xss-dashboard');
    await page.goto(`/${TENANT}/tickets?q=${encodeURIComponent('<script>')}`);
    await nothingRan('xss-search');
  });

  it('shows the agents the payloads as text on the queue and the desk ticket', async () => {
    await signIn(page, TENANT, 'agent');
    await page.goto(`/${TENANT}/desk`);
    await nothingRan('xss-desk-queue');
    await page.goto(`/${TENANT}/desk/tickets/${reference}`);
    expect(await page.locator('body').innerText()).toContain('onerror=');
    await nothingRan('xss-desk-ticket');
  });
});
