/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { expect } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, type TestApp } from '../setup/test-app.js';

/** Screenshots of every page a browser test visits (git-ignored). */
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');

/** Launch flags that work with Debian's Chromium here (shared/NOTES.md). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** One Chromium for a test file, listening app, fresh profile directory removed at the end. */
export class BrowserHarness {
  private browser!: Browser;
  private profile!: string;
  base = '';
  readonly visited: string[] = [];
  /** Contexts without JavaScript, and the page their pages are audited in (axe needs timers). */
  private readonly scriptless = new WeakSet<BrowserContext>();
  private auditPage?: Page;
  /** What the Content-Security-Policy blocked (Chromium reports it on the console), checked by check(). */
  private readonly blocked: string[] = [];

  constructor(private readonly app: TestApp) {}

  async start(): Promise<void> {
    await this.app.app.listen(0, '127.0.0.1');
    const { port } = this.app.app.getHttpServer().address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    mkdirSync(ARTIFACTS, { recursive: true });
    this.profile = mkdtempSync(join(tmpdir(), 'guichet-chromium-'));
    this.browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, `--disk-cache-dir=${this.profile}`] });
  }

  async context(options: { javaScriptEnabled?: boolean; locale?: string } = {}): Promise<BrowserContext> {
    const context = await this.browser.newContext({ baseURL: this.base, locale: options.locale ?? 'fr-FR', javaScriptEnabled: options.javaScriptEnabled ?? true, viewport: { width: 1280, height: 900 } });
    if (options.javaScriptEnabled === false) this.scriptless.add(context);
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) this.blocked.push(`${message.location().url}: ${message.text()}`);
    });
    return context;
  }

  /** A page without JavaScript runs no timers, which axe needs: its DOM is audited in a scripting page, its scripts removed. */
  private async copyWithoutScripts(page: Page): Promise<Page> {
    this.auditPage ??= await (await this.context()).newPage();
    const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '').replace(/<head>/i, `<head><base href="${this.base}/">`);
    await this.auditPage.setContent(html, { waitUntil: 'load' });
    return this.auditPage;
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    if (this.profile) rmSync(this.profile, { recursive: true, force: true });
  }

  /**
   * Runs axe-core on the page, saves a full-page screenshot as `name`, and fails on any serious
   * or critical violation (the message lists them).
   */
  async check(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('load');
    const audited = this.scriptless.has(page.context()) ? await this.copyWithoutScripts(page) : page;
    await audited.evaluate(AXE);
    const violations = await audited.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    });
    await page.screenshot({ path: join(ARTIFACTS, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`), fullPage: true });
    this.visited.push(name);
    const blocking = violations.filter((v: AxeViolation) => v.impact === 'serious' || v.impact === 'critical');
    expect({ page: name, url: page.url(), violations: blocking }).toEqual({ page: name, url: page.url(), violations: [] });
    // Nothing on the pages visited so far was refused by the CSP (an inline style, script or handler).
    expect({ page: name, blockedByCsp: this.blocked.splice(0) }).toEqual({ page: name, blockedByCsp: [] });
  }
}

/** Signs in through the sign-in page's demo persona picker. */
export async function signIn(page: Page, tenant: string, login: string): Promise<void> {
  await page.goto(`/${tenant}/login`);
  await page.locator('select[name="login"]').selectOption(login);
  await page.locator('form[action$="/auth/demo"] button[type="submit"]').click();
  await page.waitForURL(new RegExp(`/${tenant}/$`));
}
