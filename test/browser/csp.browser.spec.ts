/// <reference lib="dom" />
/**
 * The Content-Security-Policy in Chromium: the DSFR's and the portal's scripts still run under it,
 * and what it refuses (here an inline style injected on purpose) fails BrowserHarness.check, which
 * every browser test calls on every page it visits.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../setup/test-app.js';
import { BrowserHarness, signIn } from './browser.js';

const TENANT = 'sample';

describe('content security policy in Chromium', () => {
  let t: TestApp;
  let browser: BrowserHarness;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    t = await startTestApp({ now: new Date().toISOString() });
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

  it('runs the DSFR and the portal scripts under the policy, nothing refused', async () => {
    await signIn(page, TENANT, 'admin');
    await page.goto(`/${TENANT}/new/otp-order`);
    // The DSFR's module ran: it marks the root element (the portal's script is exercised by the journeys, under the same policy).
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-fr-js'));
    await browser.check(page, 'csp-create-form');
    await page.goto(`/${TENANT}/desk`);
    await browser.check(page, 'csp-desk');
  });

  it('fails the page check when the policy refuses something', async () => {
    await page.goto(`/${TENANT}/`);
    await page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { outline: 1px solid red; }';
      document.head.append(style);
    });
    await expect(browser.check(page, 'csp-refused')).rejects.toThrow(/blockedByCsp/);
  });
});
