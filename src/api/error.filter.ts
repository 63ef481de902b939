import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { bodyLeftUnread, drainRequest } from '../common/drain-request.js';
import { DomainError, ERROR_STATUS, UploadRefused, type FieldProblem } from '../common/errors.js';
import { translate, translateProblem } from '../common/i18n.js';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from '../database/database-errors.js';
import { requestLocale, type GuichetRequest } from './api-context.js';

/** The request's id (given by the request logging middleware; a new one if a route was reached without it). */
export function requestIdOf(req: { id?: unknown; headers: Record<string, unknown> }): string {
  if (typeof req.id === 'string' && req.id) return req.id;
  const id = randomUUID();
  req.id = id;
  return id;
}

/**
 * Maps every failure to `{ code, message, details }` in the caller's language: domain errors by
 * their code, HTTP exceptions as they are, anything else a 500 that hides internals and carries a
 * correlation id written to the log.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<GuichetRequest>();
    const res = http.getResponse<Response>();
    const locale = req.locale ?? requestLocale(req);
    const requestId = requestIdOf(req);
    if (isDatabaseUnavailable(exception)) {
      // Nothing was committed: the client may send the same request again.
      this.logger.warn(`${req.method} ${req.path}: database unavailable (${(exception as Error).message})`);
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      exception = new DomainError('SERVICE_UNAVAILABLE');
    }
    // Refused before its body was read (sign-in, CSRF, unknown route): the body is discarded, not kept.
    if (bodyLeftUnread(req)) drainRequest(req, res);
    if (exception instanceof DomainError && exception.code === 'UNAUTHENTICATED' && isPortalPage(req)) {
      // A signed-out person opening a portal page goes to its sign-in page, and comes back after.
      const tenant = req.path.split('/')[1];
      res.redirect(303, `/${tenant}/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (exception instanceof DomainError) {
      const retryAfter = (exception.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
      const details =
        exception.code === 'VALIDATION_FAILED' || exception instanceof UploadRefused
          ? (exception.details as FieldProblem[]).map((p) => ({ field: p.field, rule: p.rule.replace(/^rule\./, ''), message: translateProblem(locale, p) }))
          : exception.details;
      res.status(ERROR_STATUS[exception.code]).json({ code: exception.code, message: translate(locale, exception.code, exception.params), details, requestId });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.message;
      // Errors raised before the route (body parser, upload limits) get a code and a message in the caller's language.
      const code =
        status === 404 ? 'NOT_FOUND'
        : status === 413 ? (/file/i.test(raw) ? 'FILE_TOO_LARGE' : 'BODY_TOO_LARGE')
        : status === 400 && /JSON/i.test(raw) ? 'INVALID_JSON'
        : `HTTP_${status}`;
      const message = code.startsWith('HTTP_') ? raw : translate(locale, code);
      res.status(status).json({ code, message, requestId });
      return;
    }
    // The request id is the correlation id: the log line of the failure carries it too.
    const correlationId = requestId;
    this.logger.error(`${req.method} ${req.path}: ${(exception as Error)?.stack ?? String(exception)}`);
    res.status(500).json({ code: 'INTERNAL', message: translate(locale, 'INTERNAL', { correlationId }), correlationId, requestId });
  }
}

function isPortalPage(req: GuichetRequest): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !req.path.startsWith('/api/') && req.path.split('/').length > 2;
}
