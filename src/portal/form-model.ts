import type { FormFieldView } from '../catalogue/catalogue.service.js';
import { ValidationFailed, type FieldProblem } from '../common/errors.js';
import { translateProblem } from '../common/i18n.js';
import { formatSize } from '../common/units.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { DirectoryRepository, Membership } from '../directory/directory.repository.js';
import { portalText } from './messages.js';

/** What the `field` partial renders. */
export interface FieldModel {
  key: string;
  id: string;
  name: string;
  kind: 'text' | 'textarea' | 'select' | 'radio' | 'checkbox' | 'upload' | 'hidden';
  inputType?: string;
  label: string;
  help?: string;
  placeholder?: string;
  required: boolean;
  value?: string;
  checked?: boolean;
  options?: { value: string; label: string; selected: boolean }[];
  emptyOption?: string;
  maxLength?: number;
  error?: string;
  datalist?: string;
  multiValue?: boolean;
  suggest?: string;
  autocomplete?: string;
  multiple?: boolean;
  maxBytes?: number;
  maxFiles?: number;
  limit?: string;
  tooLarge?: string;
  accept?: string;
}

const INPUT_TYPES: Record<string, string> = { phone: 'tel', email: 'email', url: 'url', date: 'date', datetime: 'datetime-local', number: 'number' };

/** Field messages by field key, in the person's language: the first problem of each field. */
export function fieldErrors(ctx: RequestContext, problems: FieldProblem[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems) {
    if (out[p.field]) continue;
    const params = Object.fromEntries(Object.entries(p.params ?? {}).map(([k, v]) => [k, String(v)]));
    const own = portalText(ctx.tenant.config.texts, ctx.locale, p.rule, params);
    out[p.field] = own !== p.rule ? own : translateProblem(ctx.locale, p);
  }
  return out;
}

/** The problems of a ValidationFailed, or rethrows anything else. */
export function problemsOf(error: unknown): FieldProblem[] {
  if (error instanceof ValidationFailed) return error.problems;
  throw error;
}

/** Form values as typed: strings kept as they came (for re-display), lists joined. */
export function shownValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  return value === undefined || value === null ? '' : String(value);
}

/** The create form's fields, ready for the `field` partial, with what was typed and the errors. */
export function fieldModels(
  ctx: RequestContext,
  fields: FormFieldView[],
  options: { values: Record<string, unknown>; errors: Record<string, string>; memberships: Membership[]; base: string; leaf: string; submitted: boolean },
): FieldModel[] {
  const t = (key: string, params?: Record<string, string | number>) => portalText(ctx.tenant.config.texts, ctx.locale, key, params);
  return fields.map((f) => {
    const typed = options.values[f.key];
    const fallback = options.submitted ? undefined : f.default;
    const value = shownValue(typed ?? fallback);
    const model: FieldModel = {
      key: f.key,
      id: `field-${f.key}`,
      name: f.key,
      kind: 'text',
      inputType: 'text',
      label: f.label,
      help: f.help,
      placeholder: f.placeholder,
      required: f.required,
      value,
      maxLength: f.maxLength,
      error: options.errors[f.key],
    };
    if (f.key === 'title') model.suggest = `${options.base}/portal-api/suggest?leaf=${encodeURIComponent(options.leaf)}`;
    switch (f.type) {
      case 'textarea':
        return { ...model, kind: 'textarea' };
      case 'checkbox':
        return { ...model, kind: 'checkbox', checked: value === 'true' || value === 'on' };
      case 'select':
      case 'radio': {
        const opts = (f.options ?? []).map((o) => ({ value: o.value, label: o.label, selected: o.value === value }));
        if (opts.length === 1 && f.key === 'visibility') return { ...model, kind: 'hidden', value: opts[0].value };
        return { ...model, kind: f.type, options: opts, emptyOption: f.type === 'select' && (!value || !f.required) ? f.placeholder || t('form.choose') : undefined, placeholder: undefined };
      }
      case 'establishment': {
        const mine = options.memberships;
        const chosen = value || (mine.length === 1 ? mine[0].uai : '');
        return {
          ...model,
          kind: 'select',
          options: mine.map((m) => ({ value: m.uai, label: `${m.uai} — ${m.name}`, selected: m.uai.toUpperCase() === chosen.toUpperCase() })),
          emptyOption: mine.length === 1 && f.required ? undefined : t('form.choose'),
          help: mine.length ? f.help : [f.help, t('form.establishment.none')].filter(Boolean).join(' '),
          placeholder: undefined,
        };
      }
      case 'person':
        return { ...model, datalist: `${options.base}/portal-api/people`, autocomplete: 'off', help: [f.help, t('form.person.help')].filter(Boolean).join(' ') };
      case 'people':
        return { ...model, datalist: `${options.base}/portal-api/people`, multiValue: true, autocomplete: 'off', help: [f.help, t('form.people.help')].filter(Boolean).join(' ') };
      case 'attachments': {
        const max = ctx.tenant.maxAttachmentBytes;
        const files = ctx.tenant.config.attachments.maxFiles;
        const size = formatSize(max, ctx.locale);
        return {
          ...model,
          kind: 'upload',
          name: 'attachments',
          multiple: files > 1,
          maxBytes: max,
          maxFiles: files,
          limit: t('form.attachments.limit', { max: size, files }),
          tooLarge: t('rule.fileSize', { max: size }),
          accept: ctx.tenant.config.attachments.accept?.join(','),
          value: undefined,
        };
      }
      default:
        return { ...model, inputType: INPUT_TYPES[f.type] ?? 'text' };
    }
  });
}

/**
 * The login for a person typed as a login or a name: a name matching one person of the directory
 * gives their login; null when nobody matches, undefined when several do.
 */
export async function personLogin(directory: DirectoryRepository, ctx: RequestContext, entry: string): Promise<string | null | undefined> {
  const direct = await directory.personByLoginOrId(ctx, entry);
  if (direct) return direct.login;
  const found = entry.length >= 2 ? await directory.searchPeople(ctx, entry, 2) : [];
  if (found.length === 1) return found[0].login;
  return found.length ? undefined : null;
}
