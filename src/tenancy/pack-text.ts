import type { Locale } from '../common/localized.js';
import type { TenantPack } from './tenant-pack.js';

/**
 * Renders a pack text (`texts.acknowledgement`…) with its placeholders (`{{reference}}`,
 * `{{requester.name}}`). Implemented by the mail templates, so pages, API answers and mails
 * render a text the same way; bound in the composition root.
 */
export abstract class PackTextRenderer {
  abstract text(pack: TenantPack, locale: Locale, key: string, context: Record<string, unknown>): string;
}
