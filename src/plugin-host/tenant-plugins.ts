import type { RequestContext } from '../tenancy/request-context.js';
import type { GuichetPlugin } from './plugin.js';

/** The options of the tenant's first `auth` method of this plugin, parsed by its schema; undefined when the pack lists none. */
export function authMethodOptions<O>(ctx: RequestContext, plugin: GuichetPlugin<O>): O | undefined {
  const method = ctx.tenant.config.auth.find((a) => a.plugin === plugin.name);
  return method ? plugin.options.parse(method.options) : undefined;
}

/** The tenants this deployment serves, for work no request carries (commands, after-commit work done as the system). */
export abstract class PluginTenants {
  /** Ids of the tenants served. */
  abstract ids(): string[];
  /** The tenant's context acting as the system, in its default locale (TENANT_NOT_FOUND when it is not served). */
  abstract context(tenantId: string): RequestContext;
}
