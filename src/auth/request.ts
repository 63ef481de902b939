import type { Request } from 'express';
import { negotiateLocale } from '../common/i18n.js';
import { LOCALES, type Locale } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';

export interface GuichetRequest extends Request {
  guichet?: RequestContext;
  locale?: Locale;
  /** The bearer token's scopes. */
  scopes?: string[];
}

/** The request's locale: `?lang=`, then Accept-Language, then French. */
export function requestLocale(req: GuichetRequest): Locale {
  const lang = typeof req.query?.lang === 'string' ? req.query.lang : undefined;
  if (lang && (LOCALES as readonly string[]).includes(lang)) return lang as Locale;
  return negotiateLocale(req.headers['accept-language']);
}

