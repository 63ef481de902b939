import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { formatSize } from '../common/units.js';
import type { Locale, LocalizedInput } from '../tenancy/pack.schema.js';
import { portalText } from './messages.js';

/** What every page's template can read at its root, beside the page's own data. */
export interface PageRoot {
  locale: Locale;
  /** Time zone dates are shown in: the person's, else the tenant's. */
  timeZone: string;
  texts: Record<string, LocalizedInput>;
  [key: string]: unknown;
}

/**
 * Folder of the templates. They live beside this file in the sources; a build (`dist/`) has no
 * copy of them, so the compiled code finds them in `src/portal/views` of the project.
 */
export function viewsDir(): string {
  const here = join(import.meta.dirname, 'views');
  if (existsSync(here)) return here;
  return resolve(import.meta.dirname, '..', '..', '..', 'src', 'portal', 'views');
}

/**
 * Handlebars templates compiled once and cached. Files under `partials/` are partials (layout,
 * header, footer, form fields); the others are pages, each rendered inside `layout`.
 */
export class PortalRenderer {
  private readonly hbs = Handlebars.create();
  private readonly pages = new Map<string, HandlebarsTemplateDelegate>();

  constructor(private readonly dir = viewsDir()) {
    registerHelpers(this.hbs);
    const partials = join(dir, 'partials');
    for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
      this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partials, file), 'utf8'));
    }
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs'))) {
      this.pages.set(basename(file, '.hbs'), this.hbs.compile(readFileSync(join(dir, file), 'utf8'), { strict: false }));
    }
  }

  /** The page `name` inside the layout. */
  render(name: string, root: PageRoot): string {
    const page = this.pages.get(name);
    if (!page) throw new Error(`No portal view "${name}"`);
    const body = page(root);
    return this.pages.get('layout')!({ ...root, body });
  }
}

function rootOf(options: Handlebars.HelperOptions): PageRoot {
  return options.data.root as PageRoot;
}

function registerHelpers(hbs: typeof Handlebars): void {
  /** `{{t "key" name=value}}`: a portal text in the page's locale, the pack's words first. */
  hbs.registerHelper('t', function (key: string, options: Handlebars.HelperOptions) {
    const root = rootOf(options);
    return portalText(root.texts, root.locale, key, options.hash);
  });
  /** Same, unescaped: for the few texts that carry markup (the State brand block). */
  hbs.registerHelper('tHtml', function (key: string, options: Handlebars.HelperOptions) {
    const root = rootOf(options);
    return new hbs.SafeString(portalText(root.texts, root.locale, key, options.hash));
  });
  /** Date and time in the person's time zone. `{{date value}}`, `{{date value "date"}}`. */
  hbs.registerHelper('date', function (value: unknown, ...args: unknown[]) {
    const options = args.pop() as Handlebars.HelperOptions;
    if (!value) return '';
    const root = rootOf(options);
    const at = new Date(value as string);
    if (Number.isNaN(at.getTime())) return '';
    const style = args[0] === 'date' ? { dateStyle: 'short' as const } : { dateStyle: 'short' as const, timeStyle: 'short' as const };
    return new Intl.DateTimeFormat(root.locale === 'en' ? 'en-GB' : 'fr-FR', { ...style, timeZone: root.timeZone }).format(at);
  });
  /** Machine-readable date for `<time datetime>`. */
  hbs.registerHelper('isoDate', (value: unknown) => (value ? new Date(value as string).toISOString() : ''));
  hbs.registerHelper('size', function (bytes: unknown, options: Handlebars.HelperOptions) {
    return formatSize(Number(bytes), rootOf(options).locale);
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('includes', (list: unknown, value: unknown) => Array.isArray(list) && list.includes(value));
  hbs.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));
  hbs.registerHelper('json', (value: unknown) => new hbs.SafeString(JSON.stringify(value ?? null).replace(/</g, '\\u003c')));
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hbs.registerHelper('add', (a: unknown, b: unknown) => Number(a) + Number(b));
  hbs.registerHelper('range', (min: unknown, max: unknown) => {
    const out: number[] = [];
    for (let i = Number(min); i <= Number(max); i++) out.push(i);
    return out;
  });
  hbs.registerHelper('lookupKey', (obj: unknown, key: unknown) => (obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[String(key)] : undefined));
  /** Paragraphs of a plain text (line breaks kept, everything escaped). */
  hbs.registerHelper('paragraphs', (text: unknown) => {
    const escaped = hbs.Utils.escapeExpression(String(text ?? ''));
    return new hbs.SafeString(
      escaped
        .split(/\n{2,}/)
        .filter((p) => p.trim())
        .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
        .join(''),
    );
  });
}
