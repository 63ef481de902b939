import { FieldErrors } from '../common/errors.js';
import { localized } from '../common/localized.js';
import type { FieldCheck } from '../tenancy/pack-extensions.js';
import type { FormField, TenantPack } from '../tenancy/tenant-pack.js';
import type { TenantFile } from '../tenancy/pack.schema.js';

/** Values of a submitted form after type checks: strings trimmed, empties dropped. */
export type CleanValues = Record<string, string | number | boolean | string[]>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[+0-9][0-9 ().-]{5,24}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What the checks need of the tenant's pack: its configuration and the plugin checks its fields use. */
export type FormRules = Pick<TenantPack, 'config' | 'fieldChecks'>;

/**
 * Checks submitted values against the form's fields (types, required, lengths, choices, then
 * the plugin field types and validators the pack names) and collects one problem per field.
 * Directory lookups (establishment, people) are the service's.
 */
export function checkValues(
  fields: FormField[],
  values: Record<string, unknown>,
  pack: FormRules,
  errors: FieldErrors,
  mode: 'create' | 'update' = 'create',
): CleanValues {
  const config = pack.config;
  const clean: CleanValues = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const key of Object.keys(values)) if (!byKey.has(key)) errors.add(key, 'rule.unknown');
  for (const field of fields) {
    if (field.type === 'attachments') continue;
    const raw = values[field.key];
    const value = typeof raw === 'string' ? raw.trim() : raw;
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (field.required && mode === 'create' && !hasDefault(field, config)) errors.add(field.key, 'rule.required');
      continue;
    }
    const checked = checkOne(field, value, config, errors);
    const plugged = typeof checked === 'string' ? checkByPlugins(field, checked, pack, errors) : checked;
    if (plugged !== undefined) clean[field.key] = plugged;
  }
  return clean;
}

/** The plugin field type's check, then the validator's, each possibly normalising the value; a refusal carries the plugin's message. */
function checkByPlugins(field: FormField, value: string, pack: FormRules, errors: FieldErrors): string | undefined {
  const steps: [string | undefined, ReadonlyMap<string, FieldCheck>][] = [[field.format, pack.fieldChecks.types], [field.validate, pack.fieldChecks.validators]];
  let current = value;
  for (const [name, checks] of steps) {
    const check = name ? checks.get(name) : undefined;
    if (!name || !check) continue;
    const result = check(current);
    if ('error' in result) {
      errors.addMessage(field.key, name, localized(result.error));
      return undefined;
    }
    current = result.value;
  }
  return current;
}

function hasDefault(field: FormField, config: TenantFile): boolean {
  // Priority axes and visibility fall back to the pack's defaults; the establishment to the person's only one.
  return (
    field.default !== undefined ||
    ((field.key === 'impact' || field.key === 'urgency') && Boolean(config.priority)) ||
    (field.key === 'visibility' && config.visibility?.default !== undefined) ||
    field.key === 'establishment'
  );
}

function checkOne(field: FormField, value: unknown, config: TenantFile, errors: FieldErrors): CleanValues[string] | undefined {
  const fail = (rule: string, params?: Record<string, string | number>) => {
    errors.add(field.key, rule, params);
    return undefined;
  };
  switch (field.type) {
    case 'checkbox':
      return typeof value === 'boolean' ? value : value === 'true' || value === 'on' ? true : value === 'false' ? false : fail('rule.type', { expected: 'true/false' });
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : fail('rule.type', { expected: 'number' });
    }
    case 'people': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
      if (!list || list.some((v) => typeof v !== 'string')) return fail('rule.type', { expected: 'list' });
      return [...new Set((list as string[]).map((v) => v.trim()).filter(Boolean))];
    }
    default:
      break;
  }
  if (typeof value !== 'string') return fail('rule.type', { expected: 'text' });
  const max = field.maxLength ?? (field.key === 'title' ? config.limits.titleMaxLength : field.key === 'description' ? config.limits.descriptionMaxLength : 2000);
  if (value.length > max) return fail('rule.maxLength', { max });
  const options = choicesOf(field, config);
  if (options && !options.includes(value)) return fail('rule.option');
  switch (field.type) {
    case 'email':
      return EMAIL.test(value) ? value : fail('rule.email');
    case 'phone':
      return PHONE.test(value) ? value : fail('rule.phone');
    case 'url':
      return isHttpUrl(value) ? value : fail('rule.url');
    case 'date':
      return DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : fail('rule.date');
    case 'datetime':
      return !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : fail('rule.date');
    default:
      return value;
  }
}

/** The allowed values of a choice field, including the pack-level ones of impact, urgency and visibility. */
export function choicesOf(field: FormField, config: TenantFile): string[] | undefined {
  if (field.key === 'impact' && config.priority) return config.priority.impact.map((l) => l.key);
  if (field.key === 'urgency' && config.priority) return config.priority.urgency.map((l) => l.key);
  if (field.key === 'visibility' && config.visibility) return config.visibility.options.map((o) => o.value);
  return field.options?.map((o) => o.value);
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
