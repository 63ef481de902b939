import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { ApiTokenService } from '../auth/api-token.service.js';
import { createParamDecorator, type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { requestLocale, type GuichetRequest } from '../auth/request.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { ApiAuthHost, type ApiScope } from '../plugin-host/plugin-routes.js';

export { requestLocale, type GuichetRequest } from '../auth/request.js';

/**
 * Resolves the tenant of `/api/:tenant/...` (404 if unknown) and the bearer token's person
 * (401 otherwise); reads need the `read` scope, changes `write`. Plugins' routes meet it as
 * `ApiAuthHost` (bound in the composition root), where `admin` also needs the person's `admin` role.
 */
@Injectable()
export class ApiAuthGuard extends ApiAuthHost implements CanActivate {
  constructor(private readonly contexts: TenantContexts,
    private readonly tokens: ApiTokenService) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<GuichetRequest>();
    await this.authenticate(req, req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    return true;
  }

  async authenticate(req: GuichetRequest, needed: ApiScope): Promise<RequestContext> {
    const tenantId = String(req.params.tenant ?? '');
    const locale = requestLocale(req);
    req.locale = locale;
    const base = this.contexts.for(tenantId, undefined, locale);
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError('UNAUTHENTICATED');
    const { actor, scopes } = await this.tokens.authenticate(base, match[1]);
    if (!scopes.includes(needed) && !scopes.includes('admin')) throw new DomainError('FORBIDDEN');
    if (needed === 'admin' && !actor.roles.includes('admin')) throw new DomainError('FORBIDDEN');
    req.scopes = scopes;
    req.guichet = base.withActor(actor);
    return req.guichet;
  }
}

/** The RequestContext the guard built. */
export const Ctx = createParamDecorator((_: unknown, host: ExecutionContext): RequestContext => {
  const ctx = host.switchToHttp().getRequest<GuichetRequest>().guichet;
  if (!ctx) throw new DomainError('UNAUTHENTICATED');
  return ctx;
});
