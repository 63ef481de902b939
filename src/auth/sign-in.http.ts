import type { Response } from 'express';
import { DomainError } from '../common/errors.js';
import { translate } from '../common/i18n.js';
import type { RequestContext } from '../common/request-context.js';
import type { Core } from '../core.js';
import type { GuichetPlugin } from '../plugin-host/plugin.js';
import { safeNext } from './auth.controller.js';
import { portalLocale, readCookie, setSessionCookie, type PortalRequest } from './portal-session.guard.js';
import { SignInError } from './sign-in.service.js';

/** The tenant's context and the options of one of its auth methods; 404 when the pack does not offer it. */
export function authMethodOf<O>(core: Core, tenantId: string, plugin: GuichetPlugin<O>, req: PortalRequest): { ctx: RequestContext; options: O } {
  const ctx = core.context(tenantId);
  const method = ctx.tenant.config.auth.find((a) => a.plugin === plugin.name);
  if (!method || (plugin.provides.authMethod?.demoOnly && !core.demo)) throw new DomainError('NOT_FOUND');
  const locale = portalLocale(req);
  req.locale = locale;
  return { ctx: ctx.withLocale(locale), options: plugin.options.parse(method.options) };
}

/** The peer's address (never X-Forwarded-For, which anyone can send), IPv4-mapped addresses unwrapped. */
export function clientAddress(req: PortalRequest): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * A sign-in form must come from this site: its `Origin` (or, without one, its `Referer`) must name
 * the request's host. `Origin: null` (a sandboxed frame, a `data:` page, a cross-site redirect)
 * is refused like another site. Stops "login CSRF" (signing a victim into the attacker's account).
 * A request with neither header does not come from a browser form (browsers send `Origin` with
 * every POST), so it carries no victim's cookies to abuse.
 */
export function checkSameOrigin(req: PortalRequest): void {
  const source = req.headers.origin ?? req.headers.referer;
  if (source === undefined) return;
  let host: string;
  try {
    host = new URL(source).host;
  } catch {
    throw new SignInError('origin');
  }
  if (!host || host !== req.headers.host) throw new SignInError('origin');
}

/**
 * Opens the session (a new token: no fixation), sets its cookie and goes where the person was
 * heading. A sign-in posted from another site never gets here, whichever plugin took it.
 */
export async function completeSignIn(core: Core, ctx: RequestContext, req: PortalRequest, res: Response, personId: string, method: string, next: unknown): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
  const session = await core.sessions.open(ctx, personId, method);
  setSessionCookie(req, res, ctx.tenantId, session.token, session.expiresAt);
  res.redirect(303, safeNext(ctx.tenantId, next));
}

const FLOW_COOKIE = 'guichet_flow';

/** The cookie that ties an identity-provider round trip to the browser that started it. */
export function setFlowCookie(req: PortalRequest, res: Response, tenantId: string, plugin: string, binding: string): void {
  res.cookie(FLOW_COOKIE, binding, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${tenantId}/auth/${plugin}`, maxAge: 10 * 60_000 });
}

export function takeFlowCookie(req: PortalRequest, res: Response, tenantId: string, plugin: string): string | undefined {
  res.clearCookie(FLOW_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${tenantId}/auth/${plugin}` });
  return readCookie(req, FLOW_COOKIE);
}

/** The base URL the browser used, for callback addresses when the pack does not fix one. */
export function requestOrigin(req: PortalRequest): string {
  return `${req.protocol}://${req.headers.host}`;
}

/**
 * A failed sign-in: a browser goes back to the sign-in page with the reason (`?error=`), an API
 * client gets the error as JSON (401 `SIGN_IN_FAILED` with the reason in its language).
 */
export function signInFailed(req: PortalRequest, res: Response, tenantId: string, error: unknown, next?: unknown): void {
  if (!(error instanceof SignInError) && !(error instanceof DomainError && ['RATE_LIMITED', 'ACCOUNT_LOCKED'].includes(error.code))) throw error;
  const failure =
    error instanceof SignInError
      ? new DomainError('SIGN_IN_FAILED', { reason: translate(req.locale ?? portalLocale(req), `signIn.${error.reason}`) }, { reason: error.reason })
      : (error as DomainError);
  if (req.accepts(['json', 'html']) !== 'html') throw failure;
  const code = error instanceof SignInError ? error.reason : (error as DomainError).code;
  const params = new URLSearchParams({ error: code });
  const target = safeNext(tenantId, next);
  if (target !== `/${tenantId}/`) params.set('next', target);
  res.redirect(303, `/${tenantId}/login?${params}`);
}
