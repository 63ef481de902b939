import type { Locale, LocalizedInput } from '../tenancy/pack.schema.js';

/** A text in French and, when the pack gives it, English. */
export interface Localized {
  fr: string;
  en?: string;
}

export function localized(input: LocalizedInput): Localized {
  return typeof input === 'string' ? { fr: input } : input;
}

/** The text in `locale`, falling back to French, the portal's default. */
export function pick(text: Localized | undefined, locale: Locale): string {
  if (!text) return '';
  return (locale === 'en' ? text.en : undefined) ?? text.fr;
}
