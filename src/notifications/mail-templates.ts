import { PackTextRenderer } from '../tenancy/pack-text.js';
import { Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { pick, localized } from '../common/localized.js';
import { projectRoot } from '../config/app-config.js';
import type { Locale } from '../tenancy/pack.schema.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import { MAIL_TEXTS } from './mail-texts.js';

export type MailPart = 'subject' | 'text' | 'html';
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type Template = Handlebars.TemplateDelegate;

/** The core's templates, read from the sources (also when running from `dist/`). */
export const CORE_TEMPLATES_DIR = join(projectRoot, 'src', 'notifications', 'templates');
/** Partials a template can include with `{{> name}}`, looked up like templates as `_<name>.<part>.hbs`. */
const PARTIALS = ['recap', 'footer'];

/**
 * Renders notification mails with Handlebars. A template `<name>.<part>.hbs` (part: subject,
 * text, html) is looked up in `templates/<locale>/` of the tenant pack, then of its base packs,
 * then of the core; in the recipient's locale, then in French. HTML is escaped, subject and
 * text are not. `{{text "key"}}` renders the pack's `texts.key` (or the core's phrase) with the
 * same variables, so pack texts and templates share one syntax.
 */
@Injectable()
export class MailTemplates extends PackTextRenderer {
  private readonly hb = Handlebars.create();
  private readonly files = new Map<string, Template | null>();
  private readonly inline = new Map<string, Template>();

  private readonly coreDir = CORE_TEMPLATES_DIR;

  constructor() {
    super();
    const hb = this.hb;
    const packOf = (options: Handlebars.HelperOptions) => options.data.pack as TenantPack;
    const localeOf = (options: Handlebars.HelperOptions) => options.data.locale as Locale;
    hb.registerHelper('text', (key: string, options: Handlebars.HelperOptions) => this.text(packOf(options), localeOf(options), key, options.data.root));
    hb.registerHelper('hasText', (key: string, options: Handlebars.HelperOptions) => Object.hasOwn(packOf(options).config.texts, key));
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hb.registerHelper('join', (items: unknown, separator: unknown) => (Array.isArray(items) ? items.join(typeof separator === 'string' ? separator : ', ') : ''));
    hb.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => formatDate(value, packOf(options), localeOf(options), true));
    hb.registerHelper('day', (value: unknown, options: Handlebars.HelperOptions) => formatDate(value, packOf(options), localeOf(options), false));
  }

  /** The three parts of the mail named by the first of `names` that has templates. */
  render(pack: TenantPack, locale: Locale, names: string[], context: Record<string, unknown>): RenderedMail {
    const options = (part: MailPart) => ({
      data: { pack, locale },
      partials: Object.fromEntries(PARTIALS.map((p) => [p, this.find(pack, locale, [`_${p}`], part)]).filter(([, t]) => t)),
    });
    const part = (p: MailPart) => {
      const template = this.find(pack, locale, names, p);
      if (!template) throw new Error(`No "${p}" mail template for ${names.join(' or ')} (${locale})`);
      return template({ ...context, locale }, options(p));
    };
    return {
      subject: part('subject').replace(/\s+/g, ' ').trim(),
      text: part('text').replace(/\n{3,}/g, '\n\n').trim() + '\n',
      html: part('html'),
    };
  }

  /** A pack text (or the core's phrase) with its placeholders rendered; '' when neither exists. */
  text(pack: TenantPack, locale: Locale, key: string, context: Record<string, unknown>): string {
    const own = pack.config.texts[key];
    const source = own !== undefined ? pick(localized(own), locale) : (MAIL_TEXTS[locale][key] ?? MAIL_TEXTS.fr[key]);
    if (source === undefined) return '';
    let template = this.inline.get(source);
    if (!template) {
      template = this.hb.compile(source, { noEscape: true });
      this.inline.set(source, template);
    }
    return template(context, { data: { pack, locale } });
  }

  private find(pack: TenantPack, locale: Locale, names: string[], part: MailPart): Template | undefined {
    const dirs = [...pack.searchDirs.map((d) => join(d, 'templates')), this.coreDir];
    for (const loc of [...new Set([locale, 'fr'])]) {
      for (const name of names) {
        for (const dir of dirs) {
          const template = this.load(join(dir, loc, `${name}.${part}.hbs`), part);
          if (template) return template;
        }
      }
    }
    return undefined;
  }

  private load(path: string, part: MailPart): Template | null {
    if (!this.files.has(path)) {
      this.files.set(path, existsSync(path) ? this.hb.compile(readFileSync(path, 'utf8'), { noEscape: part !== 'html' }) : null);
    }
    return this.files.get(path)!;
  }
}

function formatDate(value: unknown, pack: TenantPack, locale: Locale, withTime: boolean): string {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'fr-FR', {
    timeZone: pack.config.timezone,
    dateStyle: withTime ? 'short' : 'long',
    ...(withTime ? { timeStyle: 'short' } : {}),
  }).format(date);
}

let shared: MailTemplates | undefined;

/** A pack text rendered like the mails' (`{{reference}}`, `{{title}}`, `{{requester.name}}`…), for pages and API answers. */
export function renderPackText(pack: TenantPack, locale: Locale, key: string, context: Record<string, unknown>): string {
  shared ??= new MailTemplates();
  return shared.text(pack, locale, key, context);
}
