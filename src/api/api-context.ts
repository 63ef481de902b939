import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { ApiTokenService } from '../auth/api-token.service.js';
import { createParamDecorator, type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import { requestLocale, type GuichetRequest } from '../auth/request.js';
import type { RequestContext } from '../tenancy/request-context.js';

export { requestLocale, type GuichetRequest } from '../auth/request.js';

/**
 * Resolves the tenant of `/api/:tenant/...` (404 if unknown) and the bearer token's person
 * (401 otherwise); reads need the `read` scope, changes `write`.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(private readonly contexts: TenantContexts,
    private readonly tokens: ApiTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<GuichetRequest>();
    const tenantId = String(req.params.tenant ?? '');
    const locale = requestLocale(req);
    req.locale = locale;
    const base = this.contexts.for(tenantId, undefined, locale);
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError('UNAUTHENTICATED');
    const { actor, scopes } = await this.tokens.authenticate(base, match[1]);
    const needed = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
    if (!scopes.includes(needed) && !scopes.includes('admin')) throw new DomainError('FORBIDDEN');
    req.scopes = scopes;
    req.guichet = base.withActor(actor);
    return true;
  }
}

/** The RequestContext the guard built. */
export const Ctx = createParamDecorator((_: unknown, host: ExecutionContext): RequestContext => {
  const ctx = host.switchToHttp().getRequest<GuichetRequest>().guichet;
  if (!ctx) throw new DomainError('UNAUTHENTICATED');
  return ctx;
});
