/// <reference lib="dom" />
/**
 * Portal behaviours beyond the journeys, in Chromium with axe-core on every page: pages without
 * JavaScript, errors next to the field with what was typed kept (French and English), attachment
 * limits, drag and drop and pasted screenshots, autocomplete and suggestions, catalogue views,
 * FAQ, dashboards' pages and filters, profile, error pages.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import { BrowserHarness, signIn } from './browser.js';

const FILAOS = 'reunion-filaos';
const CAEN = 'caen-amigo';
const RENNES = 'rennes-amigo';
const KOSMOS = 'kosmos-aura';

describe('portal pages in Chromium', () => {
  let t: TestApp;
  let browser: BrowserHarness;
  let js: BrowserContext;
  let noJs: BrowserContext;
  let page: Page;
  let plain: Page;

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: [FILAOS, CAEN, RENNES, KOSMOS], now: new Date().toISOString() });
    browser = new BrowserHarness(t);
    await browser.start();
    js = await browser.context();
    noJs = await browser.context({ javaScriptEnabled: false });
    page = await js.newPage();
    plain = await noJs.newPage();
  }, 120_000);

  afterAll(async () => {
    await js?.close();
    await noJs?.close();
    await browser?.stop();
    await t?.close();
  });

  const submit = (p: Page) => p.locator('form[data-guichet-form] button[type=submit]').click();

  it('creates a ticket without JavaScript; a file over the pack limit is refused next to the field, what was typed kept', async () => {
    await signIn(plain, FILAOS, 'marie.payet');
    await plain.goto(`/${FILAOS}/new/commande-cles-otp`);
    expect(await plain.locator('.fr-upload-group .fr-hint-text').first().textContent()).toContain('2 Mo');
    await plain.locator('#field-visibility').selectOption('me');
    await plain.locator('#field-title').fill('Clés OTP pour le secrétariat');
    await plain.locator('#field-description').fill('Deux clés OTP pour les nouvelles secrétaires.');
    await plain.locator('#field-contacts').fill('Sophie Grondin');
    await plain.locator('input[name=attachments]').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(2_100_000, 1) });
    await submit(plain);
    await plain.waitForLoadState('load');
    expect(await plain.locator('#field-attachments-messages').textContent()).toContain('Fichier trop volumineux : 2 Mo au maximum.');
    expect(await plain.locator('#field-title').inputValue()).toBe('Clés OTP pour le secrétariat');
    expect(await plain.locator('#field-contacts').inputValue()).toBe('Sophie Grondin');
    await browser.check(plain, 'nojs-01-file-too-large');
    expect((await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM ticket WHERE tenant_id = $1 AND title = $2`, [FILAOS, 'Clés OTP pour le secrétariat']))[0].n).toBe(0);

    await plain.locator('input[name=attachments]').setInputFiles({ name: 'demande.txt', mimeType: 'text/plain', buffer: Buffer.from('deux clés') });
    await submit(plain);
    await plain.waitForURL(/\/created$/);
    const reference = (await plain.locator('.guichet-reference').first().textContent())!.trim();
    expect(reference).toMatch(/^R-\d{6}$/);
    expect(await plain.locator('.guichet-ack').textContent()).toBe(`Votre dossier a bien été enregistré, il porte la référence : ${reference}`);
    await browser.check(plain, 'nojs-02-created');
    await plain.goto(`/${FILAOS}/tickets/${reference}`);
    expect(await plain.locator('#participants').textContent()).toContain('Sophie Grondin');
    const download = plain.locator('#attachments a[download]').first();
    expect(await download.textContent()).toBe('demande.txt');
    const res = await plain.request.get((await download.getAttribute('href'))!);
    expect(res.status()).toBe(200);
    expect(await res.text()).toBe('deux clés');
    await browser.check(plain, 'nojs-03-ticket');
  });

  it('speaks English after the language switch, errors included', async () => {
    await signIn(page, CAEN, 'clemonnier');
    await page.locator('.fr-header__tools-links a[hreflang=en]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#navigation').textContent()).toContain('My profile');
    await page.goto(`/${CAEN}/new/thunderbird`);
    await page.locator('#field-description').fill('It keeps asking for my password.');
    await submit(page);
    await page.waitForLoadState('load');
    expect(await page.locator('#field-title-error').textContent()).toBe('This field is required.');
    expect(await page.locator('#field-description').inputValue()).toBe('It keeps asking for my password.');
    await browser.check(page, 'en-01-form-errors');
    await page.locator('.fr-header__tools-links a[hreflang=fr]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  });

  it('completes keywords and people, and suggests look-alike tickets and the FAQ while the title is typed', async () => {
    const me = await t.core.as(CAEN, 'clemonnier');
    const open = await t.core.tickets.create(me, { leaf: 'thunderbird', values: { title: 'Thunderbird refuse mon mot de passe', description: 'Depuis hier.', establishment: '0140013N' } });
    await page.goto(`/${CAEN}/`);
    await page.locator('#home-q').pressSequentially('thunder');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#home-q-list option')).some((o) => (o as HTMLOptionElement).value === 'Mozilla Thunderbird'), undefined, { timeout: 5000 });

    await page.goto(`/${CAEN}/new/thunderbird`);
    await page.locator('#field-title').pressSequentially('mot de passe thunderbird');
    await page.waitForFunction((ref) => document.querySelector('#suggestions')!.textContent!.includes(ref), open.reference, { timeout: 5000 });
    expect(await page.locator('#suggestions').textContent()).toContain('Thunderbird me redemande sans cesse mon mot de passe');
    await browser.check(page, 'js-01-suggestions');

    await signIn(page, RENNES, 'kmorvan');
    await page.goto(`/${RENNES}/new/webmail-acces`);
    await page.locator('#field-beneficiary').pressSequentially('Jégou');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#field-beneficiary-list option')).some((o) => (o as HTMLOptionElement).value === 'ajegou'), undefined, { timeout: 5000 });
  });

  it('takes dropped and pasted screenshots, and checks the size before sending', async () => {
    await signIn(page, FILAOS, 'marie.payet');
    await page.goto(`/${FILAOS}/new/commande-cles-otp`);
    await page.locator('#field-visibility').selectOption('me');
    await page.locator('#field-title').fill('Écran figé sur la console');
    await page.locator('#field-description').fill('Captures jointes.');
    await page.evaluate(() => {
      const png = new File([new Uint8Array([137, 80, 78, 71])], 'image.png', { type: 'image/png' });
      const pasted = new DataTransfer();
      pasted.items.add(png);
      document.querySelector('#field-description')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
      const dropped = new DataTransfer();
      dropped.items.add(new File(['journal'], 'journal.txt', { type: 'text/plain' }));
      document.querySelector('.guichet-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    });
    const names = await page.locator('input[name=attachments]').evaluate((input) => Array.from((input as HTMLInputElement).files ?? []).map((f) => f.name));
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^capture-.*\.png$/);
    expect(names[1]).toBe('journal.txt');
    await browser.check(page, 'js-02-dropped-files');

    // Too big: the script keeps the form from leaving and says why.
    await page.evaluate(() => {
      const big = new DataTransfer();
      big.items.add(new File([new Uint8Array(2_100_000)], 'gros.iso'));
      document.querySelector('.guichet-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: big, bubbles: true, cancelable: true }));
    });
    const url = page.url();
    await submit(page);
    expect(page.url()).toBe(url);
    expect(await page.locator('#field-attachments-messages').textContent()).toContain('Fichier trop volumineux : 2 Mo au maximum.');
    await page.locator('input[name=attachments]').evaluate((input) => {
      const keep = new DataTransfer();
      Array.from((input as HTMLInputElement).files ?? []).slice(0, 2).forEach((f) => keep.items.add(f));
      (input as HTMLInputElement).files = keep.files;
      input.dispatchEvent(new Event('change'));
    });
    await submit(page);
    await page.waitForURL(/\/created$/);
    const reference = (await page.locator('.guichet-reference').first().textContent())!.trim();
    const ticket = await t.core.tickets.read(await t.core.as(FILAOS, 'marie.payet'), reference);
    expect(ticket.attachments.map((a) => a.fileName).sort()).toEqual([names[0], 'journal.txt'].sort());
  });

  it('shows the catalogue in mosaic, hierarchy and list views, with descriptions and the pack level names', async () => {
    await signIn(page, RENNES, 'kmorvan');
    for (const view of ['mosaic', 'tree', 'list']) {
      await page.goto(`/${RENNES}/catalogue?view=${view}`);
      expect(await page.locator('nav[aria-label="Affichage du catalogue"] a[aria-current=page]').getAttribute('href')).toContain(`view=${view}`);
      await browser.check(page, `catalogue-${view}`);
    }
    expect(await page.locator('thead th').allTextContents()).toEqual(['Domaine de service', 'Groupe de famille', 'Famille de service', 'Service', 'Sous catégorie de service', 'Description']);
    await page.goto(`/${RENNES}/catalogue?view=mosaic`);
    await page.locator('.fr-tile a').first().click();
    await page.waitForURL(/node=/);
    expect(await page.locator('a:has-text("Revenir au niveau précédent")').count()).toBe(1);
    await browser.check(page, 'catalogue-level-2');
  });

  it('lists the FAQ by product, 3 characters at least', async () => {
    await signIn(page, CAEN, 'clemonnier');
    await page.goto(`/${CAEN}/faq?q=th`);
    expect(await page.locator('#faq-q-error').textContent()).toBe('Saisissez au moins 3 caractères.');
    await page.goto(`/${CAEN}/faq?q=bird`);
    await page.locator('a:has-text("Mozilla Thunderbird")').click();
    await page.waitForURL(/\/faq\/thunderbird$/);
    expect(await page.locator('.fr-accordion__btn').allTextContents()).toContain('Ma boîte est pleine, que faire ?');
    await browser.check(page, 'faq-product');
  });

  it('pages dashboards 20 rows at a time and filters them', async () => {
    const me = await t.core.as(RENNES, 'glegoff');
    const before = (await t.core.tickets.views(me)).find((v) => v.key === 'open')!.count;
    for (let i = 1; i <= 21; i++) await t.core.tickets.create(me, { leaf: 'webmail-acces', values: { title: `Webmail n°${i}`, description: 'Accès impossible.', impact: 'person', urgency: 'medium' } });
    await signIn(page, RENNES, 'glegoff');
    await page.goto(`/${RENNES}/tickets?view=open`);
    expect(await page.locator('a.guichet-tab--current .guichet-count').textContent()).toBe(String(before + 21));
    expect(await page.locator('tbody tr').count()).toBe(20);
    await browser.check(page, 'dashboard-page-1');
    await page.locator('a.fr-pagination__link--next').click();
    await page.waitForURL(/cursor=/);
    expect(await page.locator('tbody tr').count()).toBe(before + 1);
    await page.goto(`/${RENNES}/tickets?view=open&q=${encodeURIComponent('n°7')}`);
    expect(await page.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['Webmail n°7']);
    await page.goto(`/${RENNES}/tickets?view=open&status=resolved`);
    expect(await page.locator('#filter-status-error').textContent()).toBe('Choisissez une des valeurs proposées.');
    await browser.check(page, 'dashboard-filter-error');
  });

  it('edits the description while the pack allows it, and reopens with a comment', async () => {
    const me = await t.core.as(CAEN, 'clemonnier');
    const created = await t.core.tickets.create(me, { leaf: 'thunderbird', values: { title: 'Signature perdue', description: 'Ma signature a disparu.', establishment: '0140013N' } });
    await signIn(page, CAEN, 'clemonnier');
    await page.goto(`/${CAEN}/tickets/${created.reference}`);
    await page.locator('#edit-description').fill('Ma signature a disparu depuis la mise à jour.');
    await page.locator('button:has-text("Enregistrer la description")').click();
    await page.waitForURL(/done=edit/);
    expect(await page.locator('#edit-description').inputValue()).toBe('Ma signature a disparu depuis la mise à jour.');

    const agent = await t.core.as(CAEN, 'kgodefroy');
    await t.core.actions.transition(agent, created.reference, { transition: 'take' });
    await t.core.actions.transition(agent, created.reference, { transition: 'resolve', solution: 'Signature recréée.' });
    await page.goto(`/${CAEN}/tickets/${created.reference}`);
    expect(await page.locator('#edit-description').count()).toBe(0);
    const reopen = page.locator('details.guichet-transition', { has: page.locator('summary:text-is("Rouvrir cette demande")') });
    await reopen.locator('summary').click();
    await reopen.locator('button[type=submit]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#transition-reopen-comment-error').textContent()).toBe('Ce champ est obligatoire.');
    await browser.check(page, 'ticket-reopen-error');
    await page.locator('#transition-reopen-comment').fill('La signature a de nouveau disparu.');
    await page.locator('#transition-reopen button[type=submit]').click();
    await page.waitForURL(/done=transition/);
    expect(await page.locator('.guichet-status').first().textContent()).toBe('Assignée');
    expect(await page.locator('.guichet-history').textContent()).toContain('La signature a de nouveau disparu.');
  });

  it("adds participants from the establishment's allow-list, by name or login, and refuses the others next to the field", async () => {
    const me = await t.core.as(KOSMOS, 'julien.marchand');
    const created = await t.core.tickets.create(me, { leaf: 'annuaire', values: { title: "Comptes introuvables dans l'annuaire", description: 'Trois élèves de 2nde 4 sont absents.', establishment: '0690026D' } });
    await signIn(page, KOSMOS, 'julien.marchand');
    await page.goto(`/${KOSMOS}/tickets/${created.reference}`);
    await page.locator('#participant-person').fill('nicolas.perrin');
    await page.locator('#participants button[type=submit]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#participant-person-error').textContent()).toBe("Cette personne ne figure pas sur la liste blanche de l'établissement.");
    expect(await page.locator('#participant-person').inputValue()).toBe('nicolas.perrin');
    await browser.check(page, 'participants-error');
    await page.locator('#participant-person').fill('Claire Mercier');
    await page.locator('#participants button[type=submit]').click();
    await page.waitForURL(/done=participants/);
    expect(await page.locator('#participants li').allTextContents()).toEqual(['Claire Mercier']);
    expect(await page.locator('.guichet-history').textContent()).toContain('a ajouté Claire Mercier aux participants');
    await browser.check(page, 'participants-added');
  });

  it('keeps the profile: errors next to the field, then notification address, language and time zone saved', async () => {
    await signIn(page, FILAOS, 'marie.payet');
    await page.goto(`/${FILAOS}/profile`);
    await browser.check(page, 'profile');
    await page.locator('#profile-email').fill('marie.payet@');
    await page.locator('button:has-text("Enregistrer")').click();
    await page.waitForLoadState('load');
    expect(await page.locator('#profile-email-error').textContent()).toBe('Adresse électronique invalide.');
    expect(await page.locator('#profile-email').inputValue()).toBe('marie.payet@');
    await browser.check(page, 'profile-error');
    await page.locator('#profile-email').fill('m.payet@example.org');
    await page.locator('#profile-zone').selectOption('Europe/Paris');
    await page.locator('#profile-locale').selectOption('en');
    await page.locator('button:has-text("Enregistrer")').click();
    await page.waitForURL(/saved=1/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    const [row] = await t.core.deps.dataSource.query(`SELECT notification_email, locale, time_zone FROM person WHERE tenant_id = $1 AND login = 'marie.payet'`, [FILAOS]);
    expect(row).toEqual({ notification_email: 'm.payet@example.org', locale: 'en', time_zone: 'Europe/Paris' });
  });

  it('answers unknown pages and tickets with an error page, not JSON', async () => {
    await signIn(page, CAEN, 'clemonnier');
    const missing = await page.goto(`/${CAEN}/tickets/R-999999`);
    expect(missing!.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page introuvable');
    expect(await page.locator('.fr-alert').textContent()).toContain('Dossier introuvable : R-999999.');
    await browser.check(page, 'error-404');
    const nowhere = await page.goto(`/${CAEN}/nowhere/at/all`);
    expect(nowhere!.status()).toBe(404);
    expect(nowhere!.headers()['content-type']).toContain('text/html');
  });
});
