import { describe, expect, it } from '@jest/globals';
import { negotiateLocale, translate } from './i18n.js';
import { ERROR_STATUS } from './errors.js';

describe('negotiateLocale', () => {
  it('defaults to French without a header', () => {
    expect(negotiateLocale(undefined)).toBe('fr');
    expect(negotiateLocale('')).toBe('fr');
  });

  it('defaults to the first supported locale without a header', () => {
    expect(negotiateLocale(undefined, ['en', 'fr'])).toBe('en');
  });

  it('takes a single supported language', () => {
    expect(negotiateLocale('en')).toBe('en');
    expect(negotiateLocale('fr')).toBe('fr');
  });

  it('reads the language of a regional tag, whatever its case', () => {
    expect(negotiateLocale('en-GB')).toBe('en');
    expect(negotiateLocale('EN-us')).toBe('en');
    expect(negotiateLocale('fr-CA')).toBe('fr');
  });

  it('keeps the order of the header between equal weights', () => {
    expect(negotiateLocale('en, fr')).toBe('en');
    expect(negotiateLocale('fr-FR,en')).toBe('fr');
  });

  it('follows q-values rather than the order of the header', () => {
    expect(negotiateLocale('fr;q=0.4, en;q=0.9')).toBe('en');
    expect(negotiateLocale('en;q=0.5, fr')).toBe('fr');
    expect(negotiateLocale('en-US;q=0.8,fr-FR;q=0.9')).toBe('fr');
  });

  it('reads q-values written with spaces', () => {
    expect(negotiateLocale('fr ; q=0.2 , en ; q=0.7')).toBe('en');
  });

  it('skips unsupported languages for the best supported one', () => {
    expect(negotiateLocale('de-DE,de;q=0.9,en;q=0.8,fr;q=0.5')).toBe('en');
    expect(negotiateLocale('es, it;q=0.9, fr;q=0.1')).toBe('fr');
  });

  it('falls back to French when no language is supported', () => {
    expect(negotiateLocale('de, es;q=0.5')).toBe('fr');
    expect(negotiateLocale('*')).toBe('fr');
  });

  it('compares whole primary subtags, not their first two letters', () => {
    // frr is North Frisian, enm Middle English: neither is French or English.
    expect(negotiateLocale('frr, en;q=0.5')).toBe('en');
    expect(negotiateLocale('enm, fr;q=0.5')).toBe('fr');
  });

  it('offers only the supported locales it is given', () => {
    expect(negotiateLocale('en', ['fr'])).toBe('fr');
    expect(negotiateLocale('fr;q=0.9, en', ['fr'])).toBe('fr');
  });

  it('takes q=0 as "not acceptable"', () => {
    // RFC 9110 §12.4.2: a weight of 0 means the language is not acceptable.
    expect(negotiateLocale('en;q=0')).toBe('fr');
    expect(negotiateLocale('en, fr;q=0', ['fr', 'en'])).toBe('en');
  });
});

describe('translate', () => {
  it('gives the message in the locale', () => {
    expect(translate('fr', 'NOT_FOUND')).toBe('Introuvable.');
    expect(translate('en', 'NOT_FOUND')).toBe('Not found.');
  });

  it('fills in parameters, strings and numbers', () => {
    expect(translate('fr', 'TICKET_NOT_FOUND', { ticket: 'I-000167' })).toBe('Dossier introuvable : I-000167.');
    expect(translate('en', 'VALIDATION_FAILED', { count: 3 })).toBe('The input has 3 error(s).');
    expect(translate('fr', 'rule.rating', { min: 1, max: 5 })).toBe('Une note entre 1 et 5 est attendue.');
    expect(translate('en', 'TRANSITION_NOT_ALLOWED', { transition: 'close', status: 'new' })).toBe(
      '"close" cannot be applied to this ticket in status "new".',
    );
  });

  it('fills in a zero', () => {
    expect(translate('en', 'VALIDATION_FAILED', { count: 0 })).toBe('The input has 0 error(s).');
  });

  it('leaves a missing parameter visible and ignores extra ones', () => {
    expect(translate('en', 'TICKET_NOT_FOUND')).toBe('Ticket not found: {ticket}.');
    expect(translate('en', 'NOT_FOUND', { ticket: 'x' })).toBe('Not found.');
  });

  it('does not re-read a parameter value as a placeholder', () => {
    expect(translate('en', 'TENANT_NOT_FOUND', { tenant: '{tenant}' })).toBe('Unknown portal: {tenant}.');
    expect(translate('en', 'rule.rating', { min: '{max}', max: 5 })).toBe('A rating between {max} and 5 is expected.');
  });

  it('falls back to French only for keys English lacks, and English lacks none today', () => {
    // The fallback cannot be reached through the API while both catalogues have the same keys;
    // what matters to an English reader is that no message comes back in French.
    const french = /[àâçéèêëîïôûù«»]|Ce champ|Choisissez|introuvable/i;
    const keys = [
      'VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'TENANT_NOT_FOUND', 'TICKET_NOT_FOUND', 'ATTACHMENT_NOT_FOUND',
      'PERSON_NOT_FOUND', 'CATALOGUE_NODE_NOT_FOUND', 'VIEW_NOT_FOUND', 'NOT_FOUND', 'TRANSITION_NOT_ALLOWED', 'CONFLICT',
      'PAYLOAD_TOO_LARGE', 'FILE_TOO_LARGE', 'UPLOAD_TOO_LARGE', 'BODY_TOO_LARGE', 'INVALID_MULTIPART', 'INTERNAL', 'rule.required', 'rule.unknown', 'rule.type', 'rule.maxLength',
      'rule.minLength', 'rule.option', 'rule.establishment', 'rule.person', 'rule.allowList', 'rule.leaf', 'rule.uai',
      'rule.uaiFormat', 'rule.rating', 'rule.editable', 'rule.fileSize', 'rule.fileCount', 'rule.fileType', 'rule.query',
      'rule.date', 'rule.email', 'rule.url', 'rule.phone', 'rule.page',
    ];
    for (const key of keys) {
      const fr = translate('fr', key);
      const en = translate('en', key);
      expect(fr).not.toBe(key);
      expect(en).not.toBe(key);
      expect({ key, en }).not.toEqual({ key, en: fr });
      expect({ key, en: french.test(en) }).toEqual({ key, en: false });
    }
  });

  it('has a message in both languages for every error code', () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      expect({ code, fr: translate('fr', code) !== code, en: translate('en', code) !== code }).toEqual({ code, fr: true, en: true });
    }
  });

  it('gives an unknown key back as it is', () => {
    expect(translate('fr', 'NO_SUCH_KEY')).toBe('NO_SUCH_KEY');
    expect(translate('en', 'rule.nothing', { x: 1 })).toBe('rule.nothing');
  });

  it('gives back an unknown key that happens to be a property of every object', () => {
    expect(translate('en', 'constructor')).toBe('constructor');
    expect(translate('fr', 'toString')).toBe('toString');
  });
});
