import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { SessionService } from './session.service.js';
import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import type { Response } from 'express';
import { requestLocale, type GuichetRequest } from './request.js';
import { DomainError } from '../common/errors.js';
import { LOCALES, type Locale } from '../tenancy/pack.schema.js';
import { csrfMatches } from './session.service.js';

export const SESSION_COOKIE = 'guichet_session';
export const LOCALE_COOKIE = 'guichet_lang';

/** What portal pages know of the session beside the RequestContext. */
export interface PortalRequest extends GuichetRequest {
  portal?: { csrf: string; method: string };
}

const ACCEPTS_FILES = 'guichet:accepts-files';

/**
 * Marks a portal route whose form carries files. Its multipart body is not read by the guard:
 * the route reads it after the session check, and the form's `_csrf` field (before its first
 * file) is checked by `portalCsrf` as the body arrives.
 */
export const AcceptsFiles = () => SetMetadata(ACCEPTS_FILES, true);

/** The CSRF check of a form read by its route: the `_csrf` field, or the header the guard checked. */
export function portalCsrf(req: PortalRequest): (fields: Record<string, unknown>) => void {
  return (fields) => {
    if (!req.portal || !csrfMatches(req.portal.csrf, fields._csrf ?? req.headers['x-csrf-token'])) throw new DomainError('FORBIDDEN');
  };
}

/** Reads one cookie from the request header (no dependency needed for that); a malformed value is no cookie, never an error. */
export function readCookie(req: GuichetRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Session cookies: HttpOnly, SameSite=Lax, Secure behind TLS, scoped to the tenant's path. */
export function setSessionCookie(req: GuichetRequest, res: Response, tenantId: string, token: string, expiresAt: Date): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${tenantId}`, expires: expiresAt });
}

export function clearSessionCookie(req: GuichetRequest, res: Response, tenantId: string): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${tenantId}` });
}

/**
 * Portal pages under `/:tenant/`: resolves the session cookie into a RequestContext (the error
 * filter sends a signed-out GET to the sign-in page), and checks the CSRF token of every form post
 * (`_csrf` field or `X-CSRF-Token` header); a form with files has it checked as its route reads it.
 * No body of a form with files is read before this guard passed.
 */
@Injectable()
export class PortalSessionGuard implements CanActivate {
  constructor(private readonly contexts: TenantContexts,
    private readonly sessions: SessionService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const tenantId = String(req.params.tenant ?? '');
    const base = this.contexts.for(tenantId);
    const session = await this.sessions.resolve(base, readCookie(req, SESSION_COOKIE));
    if (!session) throw new DomainError('UNAUTHENTICATED');
    const readByRoute = Reflect.getMetadata(ACCEPTS_FILES, context.getHandler()) === true && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !readByRoute) {
      const submitted = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
      if (!csrfMatches(session.csrf, submitted)) throw new DomainError('FORBIDDEN');
    }
    const locale = portalLocale(req, session.locale);
    req.locale = locale;
    req.guichet = base.withActor(session.actor).withLocale(locale);
    req.portal = { csrf: session.csrf, method: session.method };
    return true;
  }
}

/** `?lang=`, then the language cookie, then the person's preference, then Accept-Language. */
export function portalLocale(req: GuichetRequest, personLocale?: string): Locale {
  const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
  const query = req.query?.lang;
  if (isLocale(query)) return query;
  const cookie = readCookie(req, LOCALE_COOKIE);
  if (isLocale(cookie)) return cookie;
  if (isLocale(personLocale)) return personLocale;
  return requestLocale(req);
}
