import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../database/database-errors.js';
import { TenantRegistry } from '../tenancy/tenant-registry.js';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { portalLocale, type PortalRequest } from '../auth/portal-session.guard.js';
import { ErrorFilter, requestIdOf } from '../api/error.filter.js';
import { bodyLeftUnread, drainRequest } from '../common/drain-request.js';
import { DomainError, ERROR_STATUS, ValidationFailed } from '../common/errors.js';
import { translate } from '../common/i18n.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import { PortalPages } from './portal-page.js';
import { portalText } from './messages.js';

/**
 * Errors on portal pages are pages: a signed-out person goes to the sign-in page (and comes
 * back after), anything else is an error page in the person's language with the tenant's look,
 * never a JSON body. Form errors never get here: controllers re-render their forms.
 */
@Catch()
export class PortalErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Portal');
  private readonly json = new ErrorFilter();

  constructor(
    private readonly registry: TenantRegistry,
    @Inject(PortalPages) private readonly pages: PortalPages,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<PortalRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    const tenantId = String(req.params?.tenant ?? req.path.split('/')[1] ?? '');
    // Refused before its body was read (sign-in, CSRF): the body is discarded, not kept.
    if (bodyLeftUnread(req)) drainRequest(req, res);
    // JSON endpoints of the portal's scripts, and anything under /api, answer like the API.
    if (req.path.includes('/portal-api/') && exception instanceof DomainError && exception.code === 'UNAUTHENTICATED') {
      // A script's request after the session ended: a 401 it can act on, not a redirect to a page.
      res.status(401).json({ code: exception.code, message: translate(req.locale ?? portalLocale(req), exception.code), requestId: requestIdOf(req) });
      return;
    }
    if (req.path.startsWith('/api/') || req.path.includes('/portal-api/')) return this.json.catch(exception, host);
    let tenant: TenantPack | undefined;
    try {
      tenant = this.registry.get(tenantId);
    } catch {
      tenant = undefined;
    }
    const locale = req.locale ?? portalLocale(req);
    if (exception instanceof DomainError && exception.code === 'UNAUTHENTICATED' && tenant) {
      const next = req.method === 'GET' ? req.originalUrl : `/${tenantId}/`;
      res.redirect(303, `/${tenantId}/login?next=${encodeURIComponent(next)}`);
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`${req.method} ${req.path}: database unavailable (${(exception as Error).message})`);
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      exception = new DomainError('SERVICE_UNAVAILABLE');
    }
    let status = 500;
    let message: string;
    let reference: string | undefined;
    let problems: { field: string; message: string }[] | undefined;
    if (exception instanceof DomainError) {
      const retryAfter = (exception.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
      status = ERROR_STATUS[exception.code];
      message = translate(locale, exception.code, exception.params);
      // Input refused before any form could show it next to its field (InputGuard): the fields, named.
      if (exception instanceof ValidationFailed) problems = exception.problems.map((p) => ({ field: p.field, message: translate(locale, p.rule, p.params) }));
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = status === 404 ? translate(locale, 'NOT_FOUND') : status === 413 ? translate(locale, 'BODY_TOO_LARGE') : exception.message;
    } else {
      reference = requestIdOf(req);
      this.logger.error(`${req.method} ${req.path}: ${(exception as Error)?.stack ?? String(exception)}`);
      message = translate(locale, 'INTERNAL', { correlationId: reference });
    }
    const texts = tenant?.config.texts ?? {};
    const title = status === 404 ? portalText(texts, locale, 'error.notFound') : portalText(texts, locale, 'error.title');
    try {
      this.pages.sendPublic(req, res, tenant, locale, 'error', { title, status }, { message, problems, reference, signedIn: Boolean(req.guichet) });
    } catch (error) {
      this.logger.error(`error page failed: ${(error as Error).stack}`);
      res.status(status).type('text/plain').send(message);
    }
  }
}
