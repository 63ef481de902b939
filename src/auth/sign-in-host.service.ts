import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors.js';
import { translate } from '../common/i18n.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import type { SignedInIdentity } from '../plugin-host/claim-mapping.js';
import type { GuichetPlugin } from '../plugin-host/plugin.js';
import { SignInError, SignInHost } from '../plugin-host/sign-in-host.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { Metrics } from '../observability/metrics.js';
import { TenantRegistry } from '../tenancy/tenant-registry.js';
import { portalLocale, readCookie, setSessionCookie, type PortalRequest } from './portal-session.guard.js';
import { safeNext } from './safe-next.js';
import { SessionService } from './session.service.js';
import { SignInService } from './sign-in.service.js';

const FLOW_COOKIE = 'guichet_flow';

/** The peer's address (never X-Forwarded-For, which anyone can send), IPv4-mapped addresses unwrapped. */
export function clientAddress(req: Request): string {
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
export function checkSameOrigin(req: Request): void {
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

/** The host side of every auth plugin (SignInHost in the SDK): sessions, cookies, throttling and round trips. */
@Injectable()
export class SignInHttp extends SignInHost {
  constructor(
    private readonly contexts: TenantContexts,
    private readonly signIn: SignInService,
    private readonly sessions: SessionService,
    private readonly directory: DirectoryRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly registry: TenantRegistry,
  ) {
    super();
  }

  method<O>(tenantId: string, plugin: GuichetPlugin<O>, req: Request): { ctx: RequestContext; options: O } {
    const ctx = this.contexts.for(tenantId);
    const method = ctx.tenant.config.auth.find((a) => a.plugin === plugin.name);
    if (!method || (plugin.provides.authMethod?.demoOnly && !this.config.demo)) throw new DomainError('NOT_FOUND');
    const locale = portalLocale(req as PortalRequest);
    (req as PortalRequest).locale = locale;
    return { ctx: ctx.withLocale(locale), options: plugin.options.parse(method.options) };
  }

  throttle(ctx: RequestContext, req: Request, login?: string): Promise<void> {
    return this.signIn.throttle(ctx, clientAddress(req), login);
  }

  checkSameOrigin(req: Request): void {
    checkSameOrigin(req);
  }

  address(req: Request): string {
    return clientAddress(req);
  }

  origin(req: Request): string {
    return `${req.protocol}://${req.headers.host}`;
  }

  async startFlow(ctx: RequestContext, req: Request, res: Response, plugin: string, data: Record<string, unknown>): Promise<string> {
    const { state, binding } = await this.signIn.startFlow(ctx, plugin, data);
    res.cookie(FLOW_COOKIE, binding, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${ctx.tenantId}/auth/${plugin}`, maxAge: 10 * 60_000 });
    return state;
  }

  consumeFlow(ctx: RequestContext, req: Request, res: Response, plugin: string, state: unknown): Promise<Record<string, unknown>> {
    res.clearCookie(FLOW_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${ctx.tenantId}/auth/${plugin}` });
    return this.signIn.consumeFlow(ctx, plugin, state, readCookie(req as PortalRequest, FLOW_COOKIE));
  }

  provision(ctx: RequestContext, identity: SignedInIdentity): Promise<string> {
    return this.signIn.provision(ctx, identity);
  }

  async personId(ctx: RequestContext, login: string): Promise<string | undefined> {
    return (await this.directory.personByLoginOrId(ctx, login))?.id;
  }

  reserveAttempt(ctx: RequestContext, login: string, after: number, lockMs: number): Promise<void> {
    return this.signIn.reserveAttempt(ctx, login, after, lockMs);
  }

  clearFailures(ctx: RequestContext, login: string): Promise<void> {
    return this.signIn.clearFailures(ctx, login);
  }

  /** A sign-in posted from another site never opens a session, whichever plugin took it. */
  async complete(ctx: RequestContext, req: Request, res: Response, personId: string, method: string, next: unknown): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') checkSameOrigin(req);
    const session = await this.sessions.open(ctx, personId, method);
    setSessionCookie(req as PortalRequest, res, ctx.tenantId, session.token, session.expiresAt);
    res.redirect(303, safeNext(ctx.tenantId, next));
  }

  /**
   * A failed sign-in: a browser goes back to the sign-in page with the reason (`?error=`), an API
   * client gets the error as JSON (401 `SIGN_IN_FAILED` with the reason in its language).
   */
  failed(req: Request, res: Response, tenantId: string, error: unknown, next?: unknown): void {
    if (!(error instanceof SignInError) && !(error instanceof DomainError && ['RATE_LIMITED', 'ACCOUNT_LOCKED'].includes(error.code))) throw error;
    const portal = req as PortalRequest;
    this.metrics.signInFailures.inc({ tenant: this.registry.has(tenantId) ? tenantId : '', reason: error instanceof SignInError ? error.reason : (error as DomainError).code });
    const failure =
      error instanceof SignInError
        ? new DomainError('SIGN_IN_FAILED', { reason: translate(portal.locale ?? portalLocale(portal), `signIn.${error.reason}`) }, { reason: error.reason })
        : (error as DomainError);
    if (req.accepts(['json', 'html']) !== 'html') throw failure;
    const code = error instanceof SignInError ? error.reason : (error as DomainError).code;
    const params = new URLSearchParams({ error: code });
    const target = safeNext(tenantId, next);
    if (target !== `/${tenantId}/`) params.set('next', target);
    res.redirect(303, `/${tenantId}/login?${params}`);
  }
}
