import { createParamDecorator, type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../common/errors.js';
import { negotiateLocale } from '../common/i18n.js';
import type { RequestContext } from '../common/request-context.js';
import { Core } from '../core.js';
import { LOCALES, type Locale } from '../tenancy/pack.schema.js';

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

/**
 * Resolves the tenant of `/api/:tenant/...` (404 if unknown) and the bearer token's person
 * (401 otherwise); reads need the `read` scope, changes `write`.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(@Inject(Core) private readonly core: Core) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<GuichetRequest>();
    const tenantId = String(req.params.tenant ?? '');
    const locale = requestLocale(req);
    req.locale = locale;
    const base = this.core.context(tenantId, undefined, locale);
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError('UNAUTHENTICATED');
    const { actor, scopes } = await this.core.tokens.authenticate(base, match[1]);
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
