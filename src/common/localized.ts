export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A text as a pack writes it: a plain string is French (the portal's default locale). */
export type LocalizedInput = string | { fr: string; en?: string };

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
