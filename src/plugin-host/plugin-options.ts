import type { RequestContext } from '../tenancy/request-context.js';
import type { GuichetPlugin } from './plugin.js';

/**
 * The options the context's tenant gives a plugin in its pack's `plugins` list (defaults applied by
 * the plugin's schema), or undefined when the pack does not turn the plugin on. Packs were checked
 * against the schema when they loaded, so this does not fail.
 */
export function pluginOptions<O>(ctx: RequestContext, plugin: Pick<GuichetPlugin<O>, 'name' | 'options'>): O | undefined {
  const use = ctx.tenant.config.plugins.find((p) => p.plugin === plugin.name);
  return use ? plugin.options.parse(use.options) : undefined;
}
