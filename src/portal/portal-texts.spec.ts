import { describe, expect, it } from '@jest/globals';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import { interpolate, packHasText, portalText } from './messages.js';
import { contrastWithWhite, themeCss } from './theme.js';

describe('portal texts', () => {
  it('uses the portal words in French by default and in English on request', () => {
    expect(portalText({}, 'fr', 'create.submit')).toBe('Valider');
    expect(portalText({}, 'en', 'create.submit')).toBe('Submit');
  });

  it("prefers the pack's own words, under the portal key or an older alias", () => {
    expect(portalText({ 'create.submit': { fr: 'Terminer', en: 'Finish' } }, 'en', 'create.submit')).toBe('Finish');
    expect(portalText({ submit: 'Valider le dossier' }, 'en', 'create.submit')).toBe('Valider le dossier');
    expect(packHasText({ commentSubmit: 'Ajouter' }, 'ticket.comment.submit')).toBe(true);
    expect(packHasText({}, 'ticket.comment.submit')).toBe(false);
  });

  it('fills {{placeholders}} and leaves unknown ones visible', () => {
    expect(portalText({ acknowledgement: 'Votre dossier {{reference}} est enregistré.' }, 'fr', 'acknowledgement', { reference: 'I-000167' })).toBe('Votre dossier I-000167 est enregistré.');
    expect(interpolate('{{a}} et {{b}}', { a: 1 })).toBe('1 et {{b}}');
  });
});

describe('theme colours', () => {
  const pack = (primary: string, secondary?: string) => ({ config: { theme: { colours: { primary, secondary } } } }) as unknown as TenantPack;

  it("replaces the DSFR's action colour with the pack's primary colour", () => {
    const css = themeCss(pack('#1f4e8c', '#e1000f'));
    expect(css).toContain('--blue-france-sun-113-625: #1f4e8c;');
    expect(css).toContain('border-top: 4px solid var(--guichet-secondary)');
  });

  it('darkens a primary colour too light for white text until it reads at 4.5:1', () => {
    const css = themeCss(pack('#f2a900'));
    const used = /--blue-france-sun-113-625: (#[0-9a-f]{6});/.exec(css)![1];
    expect(used).not.toBe('#f2a900');
    expect(contrastWithWhite(used)).toBeGreaterThanOrEqual(4.5);
    expect(contrastWithWhite('#000091')).toBeGreaterThan(10);
  });
});
