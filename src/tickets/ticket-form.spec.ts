import { describe, expect, it } from '@jest/globals';
import { FieldErrors, ValidationFailed, type FieldProblem } from '../common/errors.js';
import type { TenantFile } from '../tenancy/pack.schema.js';
import type { FormField } from '../tenancy/tenant-pack.js';
import { checkValues } from './ticket-form.js';

const field = (key: string, required: boolean): FormField => ({ key, type: key === 'visibility' ? 'select' : 'text', label: { fr: key }, required, editableIn: [], standard: true });
const FIELDS = [field('title', true), field('visibility', true)];
const OPTIONS = [
  { value: 'me', label: { fr: 'Moi uniquement' }, grants: [] },
  { value: 'establishment', label: { fr: 'Mon établissement' }, grants: ['head' as const] },
];
const config = (visibilityDefault?: string) =>
  ({
    limits: { titleMaxLength: 255, descriptionMaxLength: 20000, commentMaxLength: 20000, pageSize: 20 },
    visibility: { label: { fr: 'Visibilité' }, options: OPTIONS, default: visibilityDefault },
  }) as unknown as TenantFile;

function problemsOf(values: Record<string, unknown>, cfg: TenantFile): FieldProblem[] {
  const errors = new FieldErrors();
  checkValues(FIELDS, values, { config: cfg, fieldChecks: { types: new Map(), validators: new Map() } }, errors);
  try {
    errors.throwIfAny();
    return [];
  } catch (error) {
    return (error as ValidationFailed).problems;
  }
}

describe('checkValues and the visibility default', () => {
  it('lets a required visibility fall back to the pack default when there is one', () => {
    expect(problemsOf({ title: 'Clés OTP' }, config('me'))).toEqual([]);
  });

  it('without a pack default, a required visibility must be chosen ("-- choisir une valeur --")', () => {
    expect(problemsOf({ title: 'Clés OTP' }, config())).toEqual([{ field: 'visibility', rule: 'rule.required', params: undefined }]);
    expect(problemsOf({ title: 'Clés OTP', visibility: '' }, config())).toEqual([{ field: 'visibility', rule: 'rule.required', params: undefined }]);
    expect(problemsOf({ title: 'Clés OTP', visibility: 'establishment' }, config())).toEqual([]);
  });

  it('still refuses a value that is not an option', () => {
    expect(problemsOf({ title: 'Clés OTP', visibility: 'everyone' }, config())).toEqual([{ field: 'visibility', rule: 'rule.option', params: undefined }]);
  });
});
