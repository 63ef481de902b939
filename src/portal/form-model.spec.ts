import { describe, expect, it } from '@jest/globals';
import type { FieldProblem } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { fieldErrors } from './form-model.js';

const ctx = (locale: 'fr' | 'en', texts: Record<string, unknown> = {}) => ({ locale, tenant: { config: { texts } } }) as unknown as RequestContext;

describe('fieldErrors: the messages next to the portal form fields', () => {
  const problems: FieldProblem[] = [
    { field: 'callBack', rule: 'phone-fr', message: { fr: 'Numéro français attendu.', en: 'A French number is expected.' } },
    { field: 'title', rule: 'rule.required' },
  ];

  it("shows a plugin check's own message in the person's language, and the core's for its rules", () => {
    expect(fieldErrors(ctx('en'), problems)).toEqual({ callBack: 'A French number is expected.', title: 'This field is required.' });
    expect(fieldErrors(ctx('fr'), problems)).toEqual({ callBack: 'Numéro français attendu.', title: 'Ce champ est obligatoire.' });
  });

  it('lets the pack reword a plugin message by the rule’s name, as it rewords the core’s', () => {
    expect(fieldErrors(ctx('fr', { 'phone-fr': 'Indiquez un numéro où vous joindre en France.' }), problems).callBack).toBe('Indiquez un numéro où vous joindre en France.');
  });
});
